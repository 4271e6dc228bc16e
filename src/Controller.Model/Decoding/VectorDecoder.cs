using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Controller.Model.Tokens;
using TorchSharp;

namespace Controller.Model.Decoding;

/// <summary>
/// Single-token decoding of a <see cref="WorldModel"/> in plain C# (SIMD dot products from System.Numerics.Tensors).
/// A decoding step of this small model is ~1 M multiply-adds; through TorchSharp it is ~250 native calls whose fixed
/// cost dominates (≈1 ms per token on this machine), here it is a few tens of µs. The prompt is still run by the
/// TorchSharp model (one batched pass, where libtorch's matmuls win); <see cref="Load"/> copies that pass's
/// <see cref="KvCache"/> and decoding continues here. The arithmetic mirrors <see cref="WorldModel"/> layer by layer
/// (RMSNorm, RoPE with the model's own tables, causal softmax attention, exact-erf GELU); a test holds the two to
/// the same logits. The weights are a snapshot taken at construction. Not thread-safe; allocation-free per step.
/// </summary>
public sealed class VectorDecoder
{
    private readonly WorldModelConfig c;
    private readonly int hs;
    private readonly float eps;
    private readonly float[] wte, normF, head;
    private readonly float[]? wpe;                      // [BlockSize, C] when the model embeds absolute positions
    private readonly Layer[] layers;
    private readonly float[] cos, sin;                  // [BlockSize, hs/2], copied from the model's Rope
    private readonly float[] x, h, qkv, att, tmp, up, scores, hidden;
    private float[]? cellLogits;                        // one image cell's allowed logits (image codes, then KEEP)

    // Optimised on first call: under tiered compilation the first few dozen ticks ran unoptimised SIMD code at
    // 3–5× the cost (ticks of 40–75 ms before settling at ~12 ms), which a control loop feels at start-up.
    private const MethodImplOptions Hot = MethodImplOptions.AggressiveOptimization;

    private sealed record Layer(float[] Norm1, float[] Qkv, float[] Proj, float[] Norm2, float[] Up, float[] Down, float[] K, float[] V);

    public VectorDecoder(WorldModel model)
    {
        using var scope = torch.NewDisposeScope();
        c = model.Config;
        hs = c.Embd / c.Heads;
        eps = (float)c.NormEps;
        var p = model.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter.detach().contiguous().data<float>().ToArray());
        wte = model.EmbeddingTable().detach().contiguous().data<float>().ToArray();
        wpe = p.GetValueOrDefault("wpe.weight");
        normF = p["norm.weight"];
        head = p["head.weight"];
        var cacheSize = c.Heads * c.BlockSize * hs;
        layers = Enumerable.Range(0, c.Layers).Select(i => new Layer(
            p[$"blocks.{i}.norm1.weight"], p[$"blocks.{i}.attn.qkv.weight"], p[$"blocks.{i}.attn.proj.weight"],
            p[$"blocks.{i}.norm2.weight"], p[$"blocks.{i}.mlp.up.weight"], p[$"blocks.{i}.mlp.down.weight"],
            new float[cacheSize], new float[cacheSize])).ToArray();
        cos = model.Rope.Cos.contiguous().data<float>().ToArray();
        sin = model.Rope.Sin.contiguous().data<float>().ToArray();
        x = new float[c.Embd];
        h = new float[c.Embd];
        qkv = new float[3 * c.Embd];
        att = new float[c.Embd];
        tmp = new float[c.Embd];
        up = new float[c.MlpRatio * c.Embd];
        scores = new float[c.BlockSize];
        hidden = new float[c.Embd];
    }

    /// <summary>Tokens seen so far (the position of the next one).</summary>
    public int Length { get; private set; }

    /// <summary>Takes over the keys and values of a TorchSharp cache (batch 1): decoding continues after its tokens.</summary>
    public void Load(KvCache cache)
    {
        var filled = cache.Length * hs;                  // per head, only the positions already written
        for (var l = 0; l < layers.Length; l++)
        {
            var (k, v) = cache.Layer(l);                 // [1, nh, BlockSize, hs], contiguous
            var keys = k.data<float>();
            var values = v.data<float>();
            for (var head = 0; head < c.Heads; head++)
            {
                var at = head * c.BlockSize * hs;
                keys.CopyTo(layers[l].K.AsSpan(at, filled), 0, at);
                values.CopyTo(layers[l].V.AsSpan(at, filled), 0, at);
            }
        }
        Length = cache.Length;
    }

    /// <summary>Runs token <paramref name="id"/> at position <see cref="Length"/>; its logits are then read with <see cref="ArgmaxIn"/> or <see cref="Logits"/>.</summary>
    [MethodImpl(Hot)]
    public void Step(int id)
    {
        if (Length >= c.BlockSize)
            throw new InvalidOperationException($"sequence of {Length + 1} tokens exceeds BlockSize {c.BlockSize}");
        wte.AsSpan(id * c.Embd, c.Embd).CopyTo(x);
        if (wpe is not null)
            TensorPrimitives.Add(x, wpe.AsSpan(Length * c.Embd, c.Embd), x);
        foreach (var layer in layers)
        {
            RmsNorm(x, layer.Norm1, h);
            MatVec(layer.Qkv, h, qkv);
            Attend(layer);
            MatVec(layer.Proj, att, tmp);
            TensorPrimitives.Add(x, tmp, x);
            RmsNorm(x, layer.Norm2, h);
            MatVec(layer.Up, h, up);
            Gelu(up);
            MatVec(layer.Down, up, tmp);
            TensorPrimitives.Add(x, tmp, x);
        }
        RmsNorm(x, normF, hidden);
        Length++;
    }

    /// <summary>Logit of vocabulary id <paramref name="id"/> after the last <see cref="Step"/>.</summary>
    [MethodImpl(Hot)]
    public float Logit(int id) => TensorPrimitives.Dot(head.AsSpan(id * c.Embd, c.Embd), hidden);

    /// <summary>All logits [V] after the last step (tests and diagnostics; decoding reads only the allowed ids).</summary>
    public float[] Logits() => Enumerable.Range(0, c.VocabSize).Select(Logit).ToArray();

    /// <summary>Greedy id in [lo, hi), or <paramref name="alsoAllowed"/> (when ≥ 0) if it scores higher. Ties go to the lowest id, as torch's argmax.</summary>
    [MethodImpl(Hot)]
    public int ArgmaxIn(int lo, int hi, int alsoAllowed = -1)
    {
        var best = -1;
        var bestLogit = float.NegativeInfinity;
        if (alsoAllowed >= 0 && alsoAllowed < lo)
            (best, bestLogit) = (alsoAllowed, Logit(alsoAllowed));
        for (var id = lo; id < hi; id++)
        {
            var v = Logit(id);
            if (v > bestLogit || best < 0)
                (best, bestLogit) = (id, v);
        }
        if (alsoAllowed >= hi && Logit(alsoAllowed) > bestLogit)
            best = alsoAllowed;
        return best;
    }

    /// <summary>
    /// An id in [lo, hi) or <paramref name="alsoAllowed"/>: greedy without <paramref name="sampling"/>, otherwise drawn
    /// from the softmax of those logits divided by the temperature.
    /// </summary>
    public int PickIn(int lo, int hi, int alsoAllowed, Sampling? sampling)
    {
        if (sampling is null || sampling.Temperature <= 0)
            return ArgmaxIn(lo, hi, alsoAllowed);
        var ids = Enumerable.Range(lo, hi - lo).ToList();
        if (alsoAllowed >= 0 && (alsoAllowed < lo || alsoAllowed >= hi))
            ids.Add(alsoAllowed);
        var logits = ids.Select(id => Logit(id) / sampling.Temperature).ToArray();
        var max = logits.Max();
        var weights = logits.Select(v => Math.Exp(v - max)).ToArray();
        var draw = sampling.Rng.NextDouble() * weights.Sum();
        for (var i = 0; i < ids.Count; i++)
            if ((draw -= weights[i]) <= 0)
                return ids[i];
        return ids[^1];
    }

    /// <summary>
    /// Decoding of the named object's position, as <see cref="Decoder.DecodeObject"/>: feeds BOOb, picks each
    /// dimension's bin among that dimension's ids only (greedy unless <paramref name="sampling"/>), feeds EOOb.
    /// Returns the local bins.
    /// </summary>
    public int[] DecodeObject(Vocabulary vocab, Sampling? sampling = null)
    {
        var bins = new int[vocab.ObjectDims];
        Step(Vocabulary.BoOb);
        for (var d = 0; d < bins.Length; d++)
        {
            var lo = vocab.Object(d, 0);
            var id = PickIn(lo, lo + vocab.ObjectBins, -1, sampling);
            bins[d] = id - lo;
            Step(id);
        }
        Step(Vocabulary.EoOb);
        return bins;
    }

    /// <summary>
    /// Constrained decoding of an action chunk, as <see cref="Decoder.DecodeActions"/>: feeds BOA, then emits action
    /// tokens (local ids; greedy unless <paramref name="sampling"/>) until EOA (variable-length tokenizers, after at
    /// least one token) or MaxTokens.
    /// </summary>
    public int[] DecodeActions(Vocabulary vocab, IActionTokenizer tokenizer, Sampling? sampling = null)
    {
        var result = new List<int>(tokenizer.MaxTokens);
        int lo = vocab.ActionOffset, hi = vocab.ActionOffset + tokenizer.VocabSize;
        Step(Vocabulary.Boa);
        while (result.Count < tokenizer.MaxTokens && Length < c.BlockSize)
        {
            var id = PickIn(lo, hi, !tokenizer.FixedLength && result.Count > 0 ? Vocabulary.Eoa : -1, sampling);
            if (id == Vocabulary.Eoa)
                break;
            result.Add(id - lo);
            if (result.Count < tokenizer.MaxTokens)
                Step(id);
        }
        return [.. result];
    }

    /// <summary>
    /// Imagination, as <see cref="Decoder.DecodeImage"/>: feeds BOI and decodes one frame's cells row by row (EOL after
    /// each row), each an image code or KEEP (then <paramref name="reference"/>'s code), greedy. Null when the context
    /// has no room for BOI, the cells, their EOLs and EOI. Stops after the last cell: its EOL and EOI are not fed.
    /// With <paramref name="belief"/> it also records, per cell, how likely the model thinks a change is and its best changed code.
    /// </summary>
    [MethodImpl(Hot)]
    public int[]? DecodeImage(Vocabulary vocab, int grid, IReadOnlyList<int> reference, CellBelief? belief = null)
    {
        if (Length + Decoder.ImageSpan(grid) > c.BlockSize)
            return null;
        var codes = new int[grid * grid];
        Step(Vocabulary.Boi);
        for (var i = 0; i < codes.Length; i++)
        {
            var pick = belief is null
                ? ArgmaxIn(vocab.ImageOffset, vocab.StateOffset, Vocabulary.Keep)
                : Believe(vocab, reference[i], out belief.Change[i], out belief.Alternative[i]);
            codes[i] = pick == Vocabulary.Keep ? reference[i] : pick - vocab.ImageOffset;
            if (i == codes.Length - 1)
                break;
            Step(pick);
            if ((i + 1) % grid == 0)
                Step(Vocabulary.Eol);
        }
        return codes;
    }

    /// <summary>
    /// After a step that predicts an image cell: its greedy id (as <see cref="ArgmaxIn"/> over the image codes and KEEP,
    /// ties to KEEP, then to the lowest code), the probability that the cell changes (neither KEEP nor the reference's
    /// own code) under the softmax over those ids, and the most likely code other than the reference's.
    /// </summary>
    [MethodImpl(Hot)]
    private int Believe(Vocabulary vocab, int referenceCode, out float change, out int alternative)
    {
        int lo = vocab.ImageOffset, codes = vocab.StateOffset - lo;
        var logits = cellLogits ??= new float[codes + 1];    // image codes, then KEEP
        for (var j = 0; j < codes; j++)
            logits[j] = Logit(lo + j);
        var keep = logits[codes] = Logit(Vocabulary.Keep);
        int best = -1, other = -1;
        for (var j = 0; j < codes; j++)
        {
            if (best < 0 || logits[j] > logits[best])
                best = j;
            if (j != referenceCode && (other < 0 || logits[j] > logits[other]))
                other = j;
        }
        var max = Math.Max(logits[best], keep);
        double total = 0;
        for (var j = 0; j <= codes; j++)
            total += Math.Exp(logits[j] - max);
        var unchanged = Math.Exp(keep - max) + Math.Exp(logits[referenceCode] - max);
        change = (float)Math.Max(0, 1 - unchanged / total);
        alternative = other;
        return logits[best] > keep ? lo + best : Vocabulary.Keep;
    }

    /// <summary>q, k, v of the new token from <c>qkv</c>; RoPE on q and k; k, v into the cache; softmax attention per head into <c>att</c>.</summary>
    [MethodImpl(Hot)]
    private void Attend(Layer layer)
    {
        int pos = Length, half = hs / 2, n = pos + 1;
        var scale = 1f / MathF.Sqrt(hs);
        for (var head = 0; head < c.Heads; head++)
        {
            var q = qkv.AsSpan(head * hs, hs);
            var k = qkv.AsSpan(c.Embd + head * hs, hs);
            var v = qkv.AsSpan(2 * c.Embd + head * hs, hs);
            Rotate(q, pos, half);
            Rotate(k, pos, half);
            var slot = (head * c.BlockSize + pos) * hs;  // cache layout [nh, BlockSize, hs]
            k.CopyTo(layer.K.AsSpan(slot, hs));
            v.CopyTo(layer.V.AsSpan(slot, hs));
            var s = scores.AsSpan(0, n);
            for (var j = 0; j < n; j++)
                s[j] = TensorPrimitives.Dot(q, layer.K.AsSpan((head * c.BlockSize + j) * hs, hs)) * scale;
            TensorPrimitives.SoftMax(s, s);
            var y = att.AsSpan(head * hs, hs);
            y.Clear();
            for (var j = 0; j < n; j++)
                TensorPrimitives.MultiplyAdd(layer.V.AsSpan((head * c.BlockSize + j) * hs, hs), s[j], y, y);
        }
    }

    /// <summary>Rotates the pairs (i, i + hs/2) of one head's vector by the angles of position <paramref name="pos"/>.</summary>
    [MethodImpl(Hot)]
    private void Rotate(Span<float> v, int pos, int half)
    {
        for (var i = 0; i < half; i++)
        {
            float cs = cos[pos * half + i], sn = sin[pos * half + i];
            float a = v[i], b = v[i + half];
            v[i] = a * cs - b * sn;
            v[i + half] = a * sn + b * cs;
        }
    }

    [MethodImpl(Hot)]
    private void RmsNorm(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, Span<float> output)
    {
        var meanSquare = TensorPrimitives.Dot(input, input) / input.Length;
        TensorPrimitives.Multiply(input, weight, output);
        TensorPrimitives.Multiply(output, 1f / MathF.Sqrt(meanSquare + eps), output);
    }

    /// <summary>
    /// y = W·x for a row-major Linear weight W [y.Length, x.Length]. Four rows at a time share each load of x;
    /// widths that are not a multiple of the vector size fall back to one dot product per row.
    /// </summary>
    [MethodImpl(Hot)]
    private static void MatVec(float[] w, ReadOnlySpan<float> input, Span<float> output)
    {
        int n = input.Length, width = Vector256<float>.Count, o = 0;
        if (n % width == 0)
        {
            ref var x = ref MemoryMarshal.GetReference(input);
            ref var row = ref MemoryMarshal.GetArrayDataReference(w);
            for (; o + 4 <= output.Length; o += 4)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                nuint r0 = (nuint)(o * n), r1 = r0 + (nuint)n, r2 = r1 + (nuint)n, r3 = r2 + (nuint)n;
                for (nuint i = 0; i < (nuint)n; i += (nuint)width)
                {
                    var xi = Vector256.LoadUnsafe(ref x, i);
                    a0 += Vector256.LoadUnsafe(ref row, r0 + i) * xi;
                    a1 += Vector256.LoadUnsafe(ref row, r1 + i) * xi;
                    a2 += Vector256.LoadUnsafe(ref row, r2 + i) * xi;
                    a3 += Vector256.LoadUnsafe(ref row, r3 + i) * xi;
                }
                output[o] = Vector256.Sum(a0);
                output[o + 1] = Vector256.Sum(a1);
                output[o + 2] = Vector256.Sum(a2);
                output[o + 3] = Vector256.Sum(a3);
            }
        }
        for (; o < output.Length; o++)
            output[o] = TensorPrimitives.Dot(w.AsSpan(o * n, n), input);
    }

    private const double InvSqrt2 = 0.70710678118654752440;

    /// <summary>GELU with the exact erf, as torch's default: x · ½ · (1 + erf(x / √2)).</summary>
    [MethodImpl(Hot)]
    private static void Gelu(Span<float> v)
    {
        for (var i = 0; i < v.Length; i++)
            v[i] = (float)(v[i] * 0.5 * (1 + Erf(v[i] * InvSqrt2)));
    }

    /// <summary>erf via the Chebyshev-fitted erfc of Numerical Recipes (fractional error &lt; 1.2e-7 everywhere).</summary>
    public static double Erf(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}

/// <summary>What the model believed about each cell of an imagined frame: P(the cell changes) and its best changed code.</summary>
public sealed class CellBelief(int cells)
{
    public float[] Change { get; } = new float[cells];
    public int[] Alternative { get; } = new int[cells];
}
