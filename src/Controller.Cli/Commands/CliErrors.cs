using System.Net.Sockets;
using Controller.Abstractions;
using Controller.Sim;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>
/// Turns the expected user-facing failures (bad names, bad files, bad settings, unreachable peers) into
/// one red line and exit code 2; Ctrl+C into exit code 130.
/// </summary>
internal static class CliErrors
{
    public static int Run(Func<int> action) => RunAsync(() => Task.FromResult(action())).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (IsExpected(e))
        {
            AnsiConsole.Markup("[red]error:[/] ");
            AnsiConsole.Console.WriteLine(e.Message); // plain text: messages such as "Controller:Robot:" must not become markup or emoji
            return 2;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
    }

    private static bool IsExpected(Exception e) => e is SimException or ProfileException or ArgumentException or IOException
        or OptionsValidationException or TimeoutException or SocketException or InvalidFrameException or InvalidDataException
        || e.GetType().Name == "CheckpointException";
}
