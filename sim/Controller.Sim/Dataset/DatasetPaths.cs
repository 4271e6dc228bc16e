using System.Globalization;

namespace Controller.Sim.Dataset;

/// <summary>File layout of a dataset folder (templates are also written into meta/info.json).</summary>
public static class DatasetPaths
{
    public const int ChunkSize = 1000;
    public const string DataTemplate = "data/chunk-{chunk:000}/episode_{episode:000000}.jsonl";
    public const string ImageTemplate = "images/{image_key}/episode_{episode:000000}/frame_{frame:000000}.png";

    public static string ImageKey(string camera) => $"observation.images.{camera}";

    public static string Data(int episode)
        => string.Create(CultureInfo.InvariantCulture, $"data/chunk-{episode / ChunkSize:000}/episode_{episode:000000}.jsonl");

    public static string Image(string camera, int episode, int frame)
        => string.Create(CultureInfo.InvariantCulture, $"images/{ImageKey(camera)}/episode_{episode:000000}/frame_{frame:000000}.png");
}
