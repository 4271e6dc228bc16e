using Controller.Model.Checkpoints;
using Controller.Model.Imaging;

namespace Controller.Model.Training;

/// <summary>
/// Starting a world-model run from another run's weights (<c>train model --init-from DIR</c>): the new run keeps that
/// checkpoint's architecture, vocabulary, normalisers, action tokenizer and layout, so its tokens mean what they meant,
/// and trains on the new data with a fresh optimiser and schedule.
/// </summary>
internal static class FineTune
{
    /// <summary>The manifest of the world model in <paramref name="dir"/>, checked against the new run's tokenizer and settings.</summary>
    public static ModelManifest Read(string dir, FsqConfig image, ModelTrainSettings s)
    {
        var weights = WeightsIn(dir);
        if (!File.Exists(weights))
            throw new CheckpointException($"--init-from: '{weights}' does not exist (give a directory written by `train model`)");
        var m = ModelManifest.FromMetadata(SafeTensors.Read(weights).Metadata, weights);
        if (m.Image.CodebookSize != image.CodebookSize || m.Image.Grid != image.Grid)
            throw new CheckpointException($"--init-from: '{weights}' was trained with a {m.Image.CodebookSize}-code tokenizer on a {m.Image.Grid}×{m.Image.Grid} grid, not the {image.CodebookSize}-code, {image.Grid}×{image.Grid} one given");
        if (m.Actions.Kind != s.ActionTokenizer || m.Actions.Horizon != s.Horizon || m.ActionFrame != s.ActionFrame)
            throw new CheckpointException($"--init-from: '{weights}' has {m.Actions.Kind} actions, horizon {m.Actions.Horizon}, frame {m.ActionFrame}; this run asks for {s.ActionTokenizer}, {s.Horizon}, {s.ActionFrame}");
        return m;
    }

    public static string WeightsIn(string dir) => Path.Combine(dir, ModelTrainer.WeightsFile);
}
