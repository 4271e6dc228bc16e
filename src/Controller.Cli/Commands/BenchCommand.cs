using System.CommandLine;
using Controller.Cli.Bench;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>`controller bench`: runs benchmark suites and rewrites their sections of docs/benchmarks.md.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var suite = new Option<string[]>("--suite") { Description = $"Suites to run (default: all): {string.Join(", ", BenchSuites.All.Select(s => s.Name))}", AllowMultipleArgumentsPerToken = true };
        var quick = new Option<bool>("--quick") { Description = "Short smoke run; the report is not written" };
        var output = new Option<string>("--out") { Description = "Markdown report to rewrite", DefaultValueFactory = _ => "docs/benchmarks.md" };
        var cmd = new Command("bench", "Run the benchmark suites (medians, percentiles and ratios measured in one run) and rewrite docs/benchmarks.md.") { suite, quick, output };
        cmd.SetAction((p, ct) => RunAsync(p.GetValue(suite) ?? [], p.GetValue(quick), p.GetValue(output)!, ct));
        return cmd;
    }

    private static async Task<int> RunAsync(string[] names, bool quick, string output, CancellationToken ct)
    {
        var unknown = names.Except(BenchSuites.All.Select(s => s.Name)).ToArray();
        if (unknown.Length > 0)
        {
            AnsiConsole.MarkupLine($"[red]unknown suite(s): {string.Join(", ", unknown).EscapeMarkup()}[/]; known: {string.Join(", ", BenchSuites.All.Select(s => s.Name))}");
            return 2;
        }
        var chosen = names.Length == 0 ? BenchSuites.All : [.. BenchSuites.All.Where(s => names.Contains(s.Name))];
        var command = "./controller bench" + (names.Length == 0 ? "" : " " + string.Join(" ", names.Select(n => $"--suite {n}"))) + (quick ? " --quick" : "");
        var sections = new Dictionary<string, string>();
        var table = new Table().Border(TableBorder.Rounded).AddColumns("suite", "metric", "value", "unit", "target", "met");
        var failed = false;
        foreach (var s in chosen)
        {
            AnsiConsole.MarkupLine($"[bold]{s.Name}[/]: {s.Description.EscapeMarkup()}");
            try
            {
                var results = await s.RunAsync(new BenchContext(quick, m => AnsiConsole.MarkupLine($"  {m.EscapeMarkup()}")), ct);
                foreach (var r in results)
                    table.AddRow(r.Suite, r.Metric.EscapeMarkup(), r.Value.ToString("G4", System.Globalization.CultureInfo.InvariantCulture), r.Unit.EscapeMarkup(), (r.Target ?? "").EscapeMarkup(), r.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "" });
                sections[s.Name] = BenchReport.Section(s, results, command, DateTimeOffset.UtcNow);
            }
#pragma warning disable CA1031 // One failing suite is reported and the others still run.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failed = true;
                AnsiConsole.MarkupLine($"[red]{s.Name} failed: {e.Message.EscapeMarkup()}[/]");
            }
        }
        AnsiConsole.Write(table);
        if (!quick && sections.Count > 0)
        {
            BenchReport.Write(output, sections);
            AnsiConsole.MarkupLine($"wrote {output.EscapeMarkup()}");
        }
        return failed ? 1 : 0;
    }
}
