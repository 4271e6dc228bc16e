using System.Text.Json;
using Controller.Model.Data;
using Controller.Model.Imaging;
using Controller.Model.Tokens;

namespace Controller.Model.Checkpoints;

/// <summary>
/// Everything needed besides the weights to run a trained model: configs, vocabulary sizes, normalisation stats
/// and tokenizer settings. Stored in the safetensors metadata ("manifest") and as config.json alongside.
/// <see cref="Objects"/> (the table range of the object tokens) is null for checkpoints trained without them.
/// </summary>
public sealed record ModelManifest(
    FsqConfig Image,
    WorldModelConfig Model,
    ActionTokenizerConfig Actions,
    Normalizer State,
    int StateBins,
    int MaxInstructionBytes,
    double StepPeriodSeconds,
    int Seed,
    int Step,
    string Data,
    ActionFrame ActionFrame = ActionFrame.Delta,
    int ObjectBins = 0,
    Normalizer? Objects = null,
    bool SceneFirst = false)
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public Vocabulary Vocab => new(Image.CodebookSize, StateBins, Actions.VocabSize, Objects is null ? 0 : ObjectBins, Objects?.Dims ?? Vocabulary.SceneDims);

    public SequenceLayout Layout => new(Vocab, Image.Grid, State.Dims, MaxInstructionBytes, PadInstruction: Model.AbsolutePositions, SceneFirst: SceneFirst && Objects is not null);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The manifest in a world-model checkpoint's safetensors metadata (<paramref name="weights"/> names the file in errors).</summary>
    public static ModelManifest FromMetadata(IReadOnlyDictionary<string, string> metadata, string weights)
        => metadata.TryGetValue("manifest", out var json)
            ? FromJson(json, weights)
            : throw new CheckpointException($"'{weights}' has no manifest metadata: not a world-model checkpoint");

    public static ModelManifest FromJson(string json, string origin)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelManifest>(json, Json) ?? throw new CheckpointException($"{origin}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{origin}: manifest is not valid ({e.Message})", e);
        }
    }
}
