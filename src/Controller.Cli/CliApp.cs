using System.CommandLine;
using Controller.Cli.Commands;

namespace Controller.Cli;

/// <summary>Builds the `controller` command tree. Each verb lives in Commands/&lt;Verb&gt;Command.cs.</summary>
public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("controller: a world-model robot controller. One transformer predicts the next frames and the next action chunk; actions go out over ROS, MQTT and ZeroMQ.");
        // One line per verb; later verbs add their line here.
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(SimCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Build().Parse(args);
        return await parsed.InvokeAsync();
    }
}
