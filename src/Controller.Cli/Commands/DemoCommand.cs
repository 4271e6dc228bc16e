using System.CommandLine;

namespace Controller.Cli.Commands;

public static class DemoCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to run, in seconds", DefaultValueFactory = _ => 10 };
        var cmd = new Command("demo", "Run the main job end to end and show it live in the terminal.") { seconds };
        cmd.SetAction((ParseResult p, CancellationToken ct) => Task.FromResult(0));
        return cmd;
    }
}
