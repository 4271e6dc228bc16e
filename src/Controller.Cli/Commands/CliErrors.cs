using Controller.Abstractions;
using Controller.Sim;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>Turns the expected user-facing failures (bad names, bad files, bad arguments) into one red line and exit code 2.</summary>
internal static class CliErrors
{
    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is SimException or ProfileException or ArgumentException or IOException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
    }
}
