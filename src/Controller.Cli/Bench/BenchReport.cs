using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Controller.Cli.Bench;

/// <summary>
/// Rewrites docs/benchmarks.md. Each suite owns a section between <c>&lt;!-- suite:NAME --&gt;</c>
/// markers, so running one suite replaces only its section; the header names the machine and command.
/// </summary>
public static class BenchReport
{
    public static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    public static string Section(IBenchSuite suite, IReadOnlyList<BenchResult> results, string command, DateTimeOffset when)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"<!-- suite:{suite.Name} -->");
        sb.AppendLine(CultureInfo.InvariantCulture, $"## {suite.Name}: {suite.Description}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Measured {when:yyyy-MM-dd HH:mm} UTC on {Machine()} with `{command}`.");
        sb.AppendLine();
        sb.AppendLine("| metric | value | unit | target | met | note |");
        sb.AppendLine("|---|---:|---|---|---|---|");
        foreach (var r in results)
        {
            var met = r.Met switch { true => "yes", false => "**no**", null => "" };
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Metric} | {Format(r.Value)} | {r.Unit} | {r.Target ?? ""} | {met} | {r.Note ?? ""} |");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"<!-- /suite:{suite.Name} -->");
        return sb.ToString();
    }

    /// <summary>Replaces (or appends) each suite's section in <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, string> sections)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : Header;
        foreach (var (name, section) in sections)
        {
            var start = text.IndexOf($"<!-- suite:{name} -->", StringComparison.Ordinal);
            var endMarker = $"<!-- /suite:{name} -->";
            var end = text.IndexOf(endMarker, StringComparison.Ordinal);
            text = start >= 0 && end > start
                ? string.Concat(text.AsSpan(0, start), section.TrimEnd('\n', '\r'), text.AsSpan(end + endMarker.Length))
                : text.TrimEnd() + "\n\n" + section;
        }
        File.WriteAllText(path, text.TrimEnd() + "\n");
    }

    private const string Header = """
        # Benchmarks

        Written by `./controller bench` (one section per suite; `./controller bench --suite NAME` rewrites only that section).
        These machines are noisy: every number is a median, a percentile or a ratio measured within one run.
        """;

    private static string Format(double v) => Math.Abs(v) >= 100 ? v.ToString("F0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 1 ? v.ToString("F2", CultureInfo.InvariantCulture)
        : v.ToString("G3", CultureInfo.InvariantCulture);
}
