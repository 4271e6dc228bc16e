using Controller.Model.Tokens;
using static TorchSharp.torch;

namespace Controller.Model.Decoding;

/// <summary>
/// Constrained greedy decoding on a <see cref="WorldModel"/> with a <see cref="KvCache"/>. Logits outside the
/// allowed id range are set to −∞ before the argmax, so a run between BOA and EOA can only contain action ids,
/// and an imagined frame can only contain image codes (EOL/EOI are forced at their positions).
/// Call under no_grad inside the caller's DisposeScope; not thread-safe.
/// </summary>
public static class Decoder
{
    /// <summary>Feeds <paramref name="tokens"/> and returns the logits of the last one, [V].</summary>
    public static Tensor Feed(WorldModel model, KvCache cache, IReadOnlyList<int> tokens)
        => model.Forward(Ids(tokens), cache, lastOnly: true)[0, 0];                                     // (V)

    /// <summary>Feeds <paramref name="tokens"/> into the cache without computing any logits.</summary>
    public static void Prompt(WorldModel model, KvCache cache, IReadOnlyList<int> tokens) => model.Extend(Ids(tokens), cache);

    private static Tensor Ids(IReadOnlyList<int> tokens)
        => tensor(tokens.Select(t => (long)t).ToArray(), dtype: ScalarType.Int64).unsqueeze(0);      // (1, T)

    /// <summary>Greedy id in [lo, hi) (plus <paramref name="alsoAllowed"/> when ≥ 0) from logits [V].</summary>
    public static int ArgmaxIn(Tensor logits, int lo, int hi, int alsoAllowed = -1, float temperature = 0, Random? rng = null)
        => ArgmaxIn(logits, Allowed((int)logits.shape[0], lo, hi, alsoAllowed), temperature, rng);

    /// <summary>An additive mask [V]: 0 on ids in [lo, hi) and on <paramref name="alsoAllowed"/> (when ≥ 0), −∞ elsewhere.</summary>
    public static Tensor Allowed(int vocabSize, int lo, int hi, int alsoAllowed = -1)
    {
        var mask = full(vocabSize, float.NegativeInfinity);
        mask.narrow(0, lo, hi - lo).fill_(0);
        if (alsoAllowed >= 0)
            mask[alsoAllowed] = tensor(0f);
        return mask;
    }

    /// <summary>Greedy (or sampled, with a temperature and rng) id from logits [V] under an <see cref="Allowed"/> mask.</summary>
    public static int ArgmaxIn(Tensor logits, Tensor allowed, float temperature = 0, Random? rng = null)
    {
        var masked = logits + allowed;
        if (temperature <= 0 || rng is null)
            return (int)masked.argmax().item<long>();
        var probs = (masked / temperature).softmax(0).data<float>().ToArray();
        var u = rng.NextDouble();
        double acc = 0;
        for (var i = 0; i < probs.Length; i++)
        {
            acc += probs[i];
            if (u <= acc)
                return i;
        }
        return (int)masked.argmax().item<long>();
    }

    /// <summary>
    /// The named object's position: feeds BOOb (the cache must end with the observation's EOSt), then greedily one bin
    /// per dimension among that dimension's ids only, then EOOb. Returns the local bins.
    /// </summary>
    public static int[] DecodeObject(WorldModel model, KvCache cache, Vocabulary vocab)
    {
        var bins = new int[vocab.ObjectDims];
        var logits = Feed(model, cache, [Vocabulary.BoOb]);
        for (var d = 0; d < bins.Length; d++)
        {
            var lo = vocab.Object(d, 0);
            var id = ArgmaxIn(logits, lo, lo + vocab.ObjectBins);
            bins[d] = id - lo;
            logits = Feed(model, cache, [id]);
        }
        Feed(model, cache, [Vocabulary.EoOb]);
        return bins;
    }

    /// <summary>
    /// The cache must end with BOA and <paramref name="logits"/> be its output. Emits action tokens (local ids,
    /// 0..ActionTokens-1) until EOA (variable-length tokenizers, after at least one token) or MaxTokens, then feeds EOA.
    /// </summary>
    public static int[] DecodeActions(WorldModel model, KvCache cache, Tensor logits, Vocabulary vocab, IActionTokenizer tokenizer, float temperature = 0, Random? rng = null)
    {
        var result = new List<int>(tokenizer.MaxTokens);
        var lo = vocab.ActionOffset;
        var hi = vocab.ActionOffset + tokenizer.VocabSize;
        // Masks built once per chunk, not per token: EOA may end a variable-length chunk after its first token.
        var actionsOnly = Allowed((int)logits.shape[0], lo, hi);
        var actionsOrEnd = tokenizer.FixedLength ? actionsOnly : Allowed((int)logits.shape[0], lo, hi, Vocabulary.Eoa);
        while (result.Count < tokenizer.MaxTokens && cache.Length < cache.Capacity)
        {
            var id = ArgmaxIn(logits, result.Count > 0 ? actionsOrEnd : actionsOnly, temperature, rng);
            if (id == Vocabulary.Eoa)
                break;
            result.Add(id - lo);
            logits = Feed(model, cache, [id]);
        }
        if (cache.Length < cache.Capacity)
            Feed(model, cache, [Vocabulary.Eoa]);
        return [.. result];
    }

    /// <summary>Tokens of one frame in a sequence: BOI, grid rows of grid cells and an EOL, EOI.</summary>
    public static int ImageSpan(int grid) => 2 + grid * (grid + 1);

    /// <summary>
    /// Imagination: feeds BOI and decodes one frame's cells row by row (EOL forced after each row), then EOI.
    /// Each cell is an image code or KEEP (unchanged from <paramref name="reference"/>, whose code it then gets).
    /// Returns grid² codes, or null when the context has no room for a whole frame.
    /// </summary>
    public static int[]? DecodeImage(WorldModel model, KvCache cache, Vocabulary vocab, int grid, IReadOnlyList<int> reference, IReadOnlyList<int>? prefix = null)
    {
        var needed = (prefix?.Count ?? 0) + ImageSpan(grid);
        if (cache.Length + needed > cache.Capacity)
            return null;
        var feed = new List<int>(prefix ?? []) { Vocabulary.Boi };
        var logits = Feed(model, cache, feed);
        var codes = new int[grid * grid];
        var cells = Allowed((int)logits.shape[0], vocab.ImageOffset, vocab.StateOffset, Vocabulary.Keep);
        for (var r = 0; r < grid; r++)
            for (var c = 0; c < grid; c++)
            {
                var id = ArgmaxIn(logits, cells);
                codes[r * grid + c] = id == Vocabulary.Keep ? reference[r * grid + c] : id - vocab.ImageOffset;
                logits = c == grid - 1 ? Feed(model, cache, [id, Vocabulary.Eol]) : Feed(model, cache, [id]);
            }
        if (cache.Length < cache.Capacity)
            Feed(model, cache, [Vocabulary.Eoi]);
        return codes;
    }
}
