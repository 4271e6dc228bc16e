using System.Globalization;
using Controller.Model.Checkpoints;

namespace Controller.Model.Data;

/// <summary>
/// Episodes on disk, one safetensors file each (episode_NNNNN.safetensors): frames U8 [T,S,S,3], states F32 [T,D],
/// actions F32 [T,D], optionally objects F32 [T,K] (K = 4: object x, y, goal x, y; 2 in older files); task, instruction, success and seed in the metadata. Stateless, thread-safe.
/// </summary>
public static class EpisodeStore
{
    public static void Save(string dir, IReadOnlyList<Episode> episodes)
    {
        Directory.CreateDirectory(dir);
        for (var i = 0; i < episodes.Count; i++)
            Save(Path.Combine(dir, $"episode_{i:D5}.safetensors"), episodes[i]);
    }

    public static void Save(string path, Episode e)
    {
        var frames = e.Frames.SelectMany(f => f).ToArray();
        List<TensorEntry> entries =
        [
            new TensorEntry("frames", "U8", [e.Steps, e.Size, e.Size, 3], frames),
            TensorEntry.FromFloats("states", [.. e.States.SelectMany(s => s)], e.Steps, e.Dims),
            TensorEntry.FromFloats("actions", [.. e.Actions.SelectMany(s => s)], e.Steps, e.Dims),
        ];
        if (e.Objects is not null)
            entries.Add(TensorEntry.FromFloats("objects", [.. e.Objects.SelectMany(o => o)], e.Steps, e.Objects[0].Length));
        SafeTensors.Write(path, entries, new Dictionary<string, string>
        {
            ["task"] = e.Task, ["instruction"] = e.Instruction,
            ["success"] = e.Success ? "true" : "false", ["seed"] = e.Seed.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>True when <paramref name="dir"/> holds episodes in this format.</summary>
    public static bool Recognises(string dir) => Directory.Exists(dir) && Directory.EnumerateFiles(dir, "episode_*.safetensors").Any();

    public static List<Episode> LoadAll(string dir)
    {
        var files = Directory.EnumerateFiles(dir, "episode_*.safetensors").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"no episode_*.safetensors files in '{dir}'");
        return files.Select(Load).ToList();
    }

    public static Episode Load(string path)
    {
        var (t, meta) = SafeTensors.Read(path);
        if (!t.TryGetValue("frames", out var frames) || !t.TryGetValue("states", out var states) || !t.TryGetValue("actions", out var actions))
            throw new CheckpointException($"episode '{path}' needs tensors frames, states and actions");
        var steps = (int)frames.Shape[0];
        var size = (int)frames.Shape[1];
        var dims = (int)states.Shape[1];
        var per = size * size * 3;
        var f = Enumerable.Range(0, steps).Select(i => frames.Data.AsSpan(i * per, per).ToArray()).ToArray();
        var s = Rows(states.ToFloats(), dims);
        var a = Rows(actions.ToFloats(), dims);
        var o = t.TryGetValue("objects", out var objects) ? Rows(objects.ToFloats(), (int)objects.Shape[1]) : null;
        return new Episode(meta.GetValueOrDefault("task", "unknown"), meta.GetValueOrDefault("instruction", ""), size, f, s, a,
            meta.GetValueOrDefault("success") == "true", int.Parse(meta.GetValueOrDefault("seed", "0"), CultureInfo.InvariantCulture), o);
    }

    private static float[][] Rows(float[] flat, int dims) =>
        Enumerable.Range(0, flat.Length / dims).Select(i => flat.AsSpan(i * dims, dims).ToArray()).ToArray();
}
