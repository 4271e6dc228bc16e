using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Controller.Transports.Bus;

/// <summary>DI wiring for the bus: <c>services.AddBus(o =&gt; { o.Robot = "sim-arm"; o.Mqtt.Url = "mqtt://broker:1883"; })</c>.</summary>
public static class BusServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BusOptions"/> (bound from section "Bus" when configuration is present, then <paramref name="configure"/>),
    /// and <see cref="BusRuntime"/> as a singleton and hosted service (embedded broker when no broker is configured).
    /// </summary>
    public static IServiceCollection AddBus(this IServiceCollection services, Action<BusOptions>? configure = null)
    {
        var builder = services.AddOptions<BusOptions>().BindConfiguration("Bus");
        if (configure is not null)
            builder.Configure(configure);
        builder.Validate(o => !string.IsNullOrWhiteSpace(o.Cell) && !string.IsNullOrWhiteSpace(o.Robot), "Bus:Cell and Bus:Robot must be set")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BusRuntime>();
        services.AddHostedService(sp => sp.GetRequiredService<BusRuntime>());
        return services;
    }
}
