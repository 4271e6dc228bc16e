namespace Controller.Model.Tokens;

/// <summary>
/// Maps an action chunk [step][dim] (joint-target deltas from the current position, in joint units) to action
/// tokens in [0, VocabSize) and back. Implementations are immutable after training and thread-safe.
/// </summary>
public interface IActionTokenizer
{
    string Kind { get; }
    int VocabSize { get; }
    int Horizon { get; }
    int Dims { get; }

    /// <summary>Most tokens one chunk can take (the constrained decoder stops here at the latest).</summary>
    int MaxTokens { get; }

    /// <summary>True when every chunk is exactly <see cref="MaxTokens"/> long (no EOA choice to make).</summary>
    bool FixedLength { get; }

    int[] Encode(float[][] chunk);

    /// <summary>Never throws on model output: short or long token runs are padded with "no motion" or cut.</summary>
    float[][] Decode(ReadOnlySpan<int> tokens);

    ActionTokenizerConfig ToConfig();
}

/// <summary>Serializable description of an action tokenizer (JSON in checkpoint metadata).</summary>
public sealed record ActionTokenizerConfig(string Kind, int Horizon, Normalizer Norm, int Bins = 256, float Scale = 10, int Range = 40, int[][]? Merges = null, int VocabSize = 256)
{
    public IActionTokenizer Build() => Kind switch
    {
        "bins" => new BinActionTokenizer(Horizon, Norm, Bins),
        "fast" => new FastActionTokenizer(Horizon, Norm, Scale, Range, new Bpe(2 * Range + 1, Merges ?? [])),
        _ => throw new InvalidDataException($"unknown action tokenizer '{Kind}' (expected bins or fast)"),
    };
}
