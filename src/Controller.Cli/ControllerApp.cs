using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Controller.Host;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Cli;

/// <summary>Builds the Generic Host every long-running verb uses: config from appsettings, CONTROLLER__* variables and --Key=value.</summary>
public static class ControllerApp
{
    public static HostApplicationBuilder CreateBuilder(IEnumerable<KeyValuePair<string, string?>> settings, bool quietLogs)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddEnvironmentVariables("CONTROLLER_");
        if (quietLogs)
        {
            // The live view owns the terminal; start-up failures are reported by the verb itself.
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        }
        builder.AddController();
        // Mode and e-stop requests arriving over the bus drive the same Arbiter as every other source.
        builder.Services.AddSingleton<Controller.Transports.Bus.IBusModeTarget>(sp => new Controller.Transports.Bus.ArbiterModeTarget(sp.GetRequiredService<Controller.Safety.Arbiter>()));
        return builder;
    }
}
