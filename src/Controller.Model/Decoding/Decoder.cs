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
    {
        var idx = tensor(tokens.Select(t => (long)t).ToArray(), dtype: ScalarType.Int64).unsqueeze(0); // (1, T)
        var logits = model.Forward(idx, cache);                                                         // (1, T, V)
        return logits[0, -1];
    }

    /// <summary>Greedy id in [lo, hi) (plus <paramref name="alsoAllowed"/> when ≥ 0) from logits [V].</summary>
    public static int ArgmaxIn(Tensor logits, int lo, int hi, int alsoAllowed = -1, float temperature = 0, Random? rng = null)
    {
        var v = (int)logits.shape[0];
        var mask = full(v, float.NegativeInfinity);
        mask.narrow(0, lo, hi - lo).fill_(0);
        if (alsoAllowed >= 0)
            mask[alsoAllowed] = tensor(0f);
        var masked = logits + mask;
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
    /// The cache must end with BOA and <paramref name="logits"/> be its output. Emits action tokens (local ids,
    /// 0..ActionTokens-1) until EOA (variable-length tokenizers, after at least one token) or MaxTokens, then feeds EOA.
    /// </summary>
    public static int[] DecodeActions(WorldModel model, KvCache cache, Tensor logits, Vocabulary vocab, IActionTokenizer tokenizer, float temperature = 0, Random? rng = null)
    {
        var result = new List<int>(tokenizer.MaxTokens);
        var lo = vocab.ActionOffset;
        var hi = vocab.ActionOffset + tokenizer.VocabSize;
        while (result.Count < tokenizer.MaxTokens && cache.Length < cache.Capacity)
        {
            var eoaAllowed = !tokenizer.FixedLength && result.Count > 0 ? Vocabulary.Eoa : -1;
            var id = ArgmaxIn(logits, lo, hi, eoaAllowed, temperature, rng);
            if (id == Vocabulary.Eoa)
                break;
            result.Add(id - lo);
            logits = Feed(model, cache, [id]);
        }
        if (cache.Length < cache.Capacity)
            Feed(model, cache, [Vocabulary.Eoa]);
        return [.. result];
    }

    /// <summary>
    /// Imagination: feeds BOI and decodes one frame's image codes row by row (EOL forced after each row),
    /// then EOI. Returns grid² codes, or null when the context has no room for a whole frame.
    /// </summary>
    public static int[]? DecodeImage(WorldModel model, KvCache cache, Vocabulary vocab, int grid, IReadOnlyList<int>? prefix = null)
    {
        var needed = (prefix?.Count ?? 0) + 2 + grid * (grid + 1);
        if (cache.Length + needed > cache.Capacity)
            return null;
        var feed = new List<int>(prefix ?? []) { Vocabulary.Boi };
        var logits = Feed(model, cache, feed);
        var codes = new int[grid * grid];
        for (var r = 0; r < grid; r++)
            for (var c = 0; c < grid; c++)
            {
                var id = ArgmaxIn(logits, vocab.ImageOffset, vocab.StateOffset);
                codes[r * grid + c] = id - vocab.ImageOffset;
                logits = c == grid - 1 ? Feed(model, cache, [id, Vocabulary.Eol]) : Feed(model, cache, [id]);
            }
        if (cache.Length < cache.Capacity)
            Feed(model, cache, [Vocabulary.Eoi]);
        return codes;
    }
}
