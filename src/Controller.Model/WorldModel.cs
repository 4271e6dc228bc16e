using Controller.Model.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Controller.Model;

// A decoder-only transformer over the one vocabulary (see docs/tokens.md), read top to bottom like nanoGPT:
// RMSNorm, Attention, Mlp, Block, Config, Model. It predicts the next token, which is either the next frame's
// image codes (world model) or the next action tokens (policy). TorchSharp modules are not thread-safe.

/// <summary>Root-mean-square norm (no mean subtraction, no bias): x / rms(x) · weight.</summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(int dim, double eps) : base(nameof(RmsNorm))
    {
        weight = Parameter(ones(dim));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // An explicit Scalar kept alive until the native add returns: an implicit temporary can be finalized by the GC mid-call.
        using var e = eps.ToScalar();
        return x * x.pow(2).mean([-1], keepdim: true).add(e).rsqrt() * weight;
    }
}

/// <summary>Rotary position tables, cos/sin of shape [BlockSize, head_dim/2]. Constants, so not a checkpoint entry.</summary>
public sealed class Rope : IDisposable
{
    public Tensor Cos { get; }
    public Tensor Sin { get; }

    public Rope(int headDim, int maxLen, double theta)
    {
        var half = headDim / 2;
        using var freqs = pow(theta, -arange(0, half, dtype: ScalarType.Float32) / half);  // [hs/2]
        using var angles = outer(arange(0, maxLen, dtype: ScalarType.Float32), freqs);       // [T, hs/2]
        Cos = angles.cos().DetachFromDisposeScope();
        Sin = angles.sin().DetachFromDisposeScope();
    }

    /// <summary>Rotates x [..., T, hs] as if its first position were <paramref name="start"/>.</summary>
    public Tensor Apply(Tensor x, int start)
    {
        var t = x.shape[^2];
        var half = x.shape[^1] / 2;
        var cos = Cos.narrow(0, start, t);                 // [T, hs/2], broadcasts over the leading dims
        var sin = Sin.narrow(0, start, t);
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1);
    }

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
    }
}

/// <summary>
/// Keys and values of every layer for the tokens seen so far, preallocated as [B, nh, BlockSize, hs] per layer,
/// so one decoding step only runs the new token. Its tensors are outside any DisposeScope, so a cache can outlive a
/// tick (ModelBundle keeps the instruction's keys and values between ticks); dispose it. Not thread-safe.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    public KvCache(WorldModelConfig config, int batch = 1)
    {
        var hs = config.Embd / config.Heads;
        keys = Enumerable.Range(0, config.Layers).Select(_ => zeros(batch, config.Heads, config.BlockSize, hs).DetachFromDisposeScope()).ToArray();
        values = Enumerable.Range(0, config.Layers).Select(_ => zeros(batch, config.Heads, config.BlockSize, hs).DetachFromDisposeScope()).ToArray();
        Capacity = config.BlockSize;
    }

    /// <summary>Tokens already cached (the position of the next token).</summary>
    public int Length { get; private set; }

    public int Capacity { get; }

    /// <summary>Writes k, v [B, nh, T, hs] of <paramref name="layer"/> after the cached ones; returns all of them.</summary>
    internal (Tensor K, Tensor V) Append(int layer, Tensor k, Tensor v)
    {
        var t = (int)k.shape[2];
        keys[layer].narrow(2, Length, t).copy_(k);
        values[layer].narrow(2, Length, t).copy_(v);
        return (keys[layer].narrow(2, 0, Length + t), values[layer].narrow(2, 0, Length + t));
    }

    internal void Advance(int tokens) => Length += tokens;

    /// <summary>Layer <paramref name="layer"/>'s keys and values, each [B, nh, BlockSize, hs] (only the first Length positions are set).</summary>
    internal (Tensor K, Tensor V) Layer(int layer) => (keys[layer], values[layer]);

    /// <summary>Forgets every token after the first <paramref name="length"/> (their slots are overwritten next).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    public void Dispose()
    {
        foreach (var t in keys.Concat(values))
            t.Dispose();
    }
}

/// <summary>Causal multi-head self-attention with RoPE and PyTorch's fused scaled_dot_product_attention.</summary>
public sealed class Attention : Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int heads;

    public Attention(WorldModelConfig c) : base(nameof(Attention))
    {
        qkv = Linear(c.Embd, 3 * c.Embd, hasBias: false);
        proj = Linear(c.Embd, c.Embd, hasBias: false);
        heads = c.Heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward(x, rope, cache, layer)");

    public Tensor Forward(Tensor x, Rope rope, KvCache? cache, int layer, int queryFrom = 0)
    {
        long b = x.shape[0], t = x.shape[1], c = x.shape[2], hs = c / heads;
        var qkvHeads = qkv.call(x).view(b, t, 3, heads, hs).permute(2, 0, 3, 1, 4);   // (3, B, nh, T, hs)
        var past = cache?.Length ?? 0;
        // q and k rotated in one pass: half the element-wise ops (and their backward) of rotating each.
        var qk = rope.Apply(qkvHeads.narrow(0, 0, 2), past);               // (2, B, nh, T, hs)
        var q = qk[0];
        var k = qk[1];
        var v = qkvHeads[2];
        Tensor y;
        if (queryFrom > 0)
        {
            if (cache is not null)
                throw new ArgumentException("queries from a position are for training (no cache)", nameof(queryFrom));
            // Only the queries from queryFrom on: query i (position queryFrom + i) sees every key up to its own position.
            q = q.narrow(2, queryFrom, t - queryFrom);                     // (B, nh, T - from, hs)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask: ones(t - queryFrom, t, dtype: ScalarType.Bool).tril(queryFrom));
        }
        else if (cache is null || past == 0)
        {
            if (cache is not null)
                (k, v) = cache.Append(layer, k, v);
            y = F.scaled_dot_product_attention(q, k, v, is_casual: true);
        }
        else
        {
            (k, v) = cache.Append(layer, k, v);                           // (B, nh, past+T, hs)
            // New token i may see every cached token and the new ones up to itself: top-left causal is wrong here.
            var mask = t == 1 ? null : ones(t, past + t, dtype: ScalarType.Bool).tril(past);
            y = F.scaled_dot_product_attention(q, k, v, attn_mask: mask);
        }
        return proj.call(y.transpose(1, 2).reshape(b, y.shape[2], c));   // (B, T - queryFrom, C)
    }
}

/// <summary>Position-wise feed-forward: Linear → GELU → Linear.</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly Linear up;
    private readonly GELU act;
    private readonly Linear down;

    public Mlp(WorldModelConfig c) : base(nameof(Mlp))
    {
        up = Linear(c.Embd, c.MlpRatio * c.Embd, hasBias: false);
        act = GELU();
        down = Linear(c.MlpRatio * c.Embd, c.Embd, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => down.call(act.call(up.call(x)));
}

/// <summary>Pre-norm residual block: x + attn(norm(x)), then x + mlp(norm(x)).</summary>
public sealed class Block : Module<Tensor, Tensor>
{
    private readonly RmsNorm norm1;
    private readonly Attention attn;
    private readonly RmsNorm norm2;
    private readonly Mlp mlp;

    public Block(WorldModelConfig c) : base(nameof(Block))
    {
        norm1 = new RmsNorm(c.Embd, c.NormEps);
        attn = new Attention(c);
        norm2 = new RmsNorm(c.Embd, c.NormEps);
        mlp = new Mlp(c);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("call Forward(x, rope, cache, layer)");

    /// <param name="queryFrom">Outputs only the positions from this one on (keys and values still cover every position).</param>
    public Tensor Forward(Tensor x, Rope rope, KvCache? cache, int layer, int queryFrom = 0)
    {
        var a = attn.Forward(norm1.call(x), rope, cache, layer, queryFrom);
        x = (queryFrom > 0 ? x.narrow(1, queryFrom, x.shape[1] - queryFrom) : x) + a;
        return x + mlp.call(norm2.call(x));
    }
}

/// <summary>Transformer hyper-parameters. Stored as JSON in the checkpoint.</summary>
public sealed record WorldModelConfig
{
    public int VocabSize { get; init; } = 2009;     // size of the one vocabulary (Vocabulary.Size)
    public int BlockSize { get; init; } = 256;      // longest sequence in tokens, also the KV-cache capacity
    public int Layers { get; init; } = 4;           // transformer blocks
    public int Heads { get; init; } = 4;            // attention heads; head size = Embd / Heads (even, for RoPE)
    public int Embd { get; init; } = 128;           // residual stream width
    public int ImageOffset { get; init; }           // first image-code id (Vocabulary.ImageOffset); used with ImageLevels
    public int[] ImageLevels { get; init; } = [];   // FSQ levels of the image codes; empty: image codes have only their own rows
    public bool AbsolutePositions { get; init; }    // a learned embedding per position (GPT-2's wpe) on top of RoPE
    public int CodeFeatures { get; init; }          // pixels per image code embedded through a linear map (3·D·D); 0: none. Needs ImageLevels
    public int TextNgramBuckets { get; init; }      // hashed byte bigram + trigram rows added to instruction bytes (BLT style); 0: none
    public int MlpRatio { get; init; } = 4;         // MLP hidden width = MlpRatio × Embd
    public double RopeTheta { get; init; } = 10000; // RoPE base period
    public double NormEps { get; init; } = 1e-5;    // RMSNorm epsilon
}

/// <summary>The world model: token embedding → blocks → norm → logits over the vocabulary.</summary>
public sealed class WorldModel : Module<Tensor, Tensor>
{
    private readonly Embedding wte;
    private readonly Embedding? wpe;
    private readonly Linear? codeProj;
    private readonly Tensor? codePixels;                 // [codes, CodeFeatures] buffer: each code's decoded patch
    private readonly Embedding? textNgrams;
    private readonly ModuleList<Embedding>? digitEmbeddings;
    private readonly Tensor[] digitOfCode = [];
    private readonly ModuleList<Block> blocks;
    private readonly RmsNorm norm;
    private readonly Linear head;
    private readonly Rope rope;

    public WorldModelConfig Config { get; }

    /// <summary>The rotary tables, for <see cref="Decoding.VectorDecoder"/> (which must rotate exactly as this model does).</summary>
    internal Rope Rope => rope;

    public WorldModel(WorldModelConfig config) : base(nameof(WorldModel))
    {
        if (config.Embd % config.Heads != 0 || config.Embd / config.Heads % 2 != 0)
            throw new ArgumentException($"Embd {config.Embd} must split into {config.Heads} heads of even size");
        ArgumentOutOfRangeException.ThrowIfNegative(config.TextNgramBuckets);
        Config = config;
        wte = Embedding(config.VocabSize, config.Embd);
        // RoPE alone tells attention how far apart two tokens are, but no token knows where it is. With a fixed layout
        // (padded instruction, fixed-length chunks) a position is a grid cell of a frame or one joint of one step, so
        // a learned row per position tells an image code which cell it fills: the policy must point at a 2-3 px sphere.
        if (config.AbsolutePositions)
            wpe = Embedding(config.BlockSize, config.Embd);
        // A colour word is 3–5 byte tokens; to bind "red" to red cells attention must first assemble the word from
        // its letters. A row per hashed byte bigram and trigram (the Byte Latent Transformer's hash n-gram
        // embeddings) puts the whole word at its last byte, so "red", "green" and "blue" differ at one position.
        if (config.TextNgramBuckets > 0)
            textNgrams = Embedding(config.TextNgramBuckets, config.Embd);
        var imageCodes = config.ImageLevels.Aggregate(1, (a, b) => a * b);
        if (config.ImageLevels.Length > 0)
        {
            // An image code is a tuple of FSQ digits (one per latent channel, each an ordinal level). Its embedding is
            // its own row plus one row per digit, shared by every code with that digit value: a code seen rarely in
            // the demonstrations still inherits what its digits mean (colour, brightness, …) from the common ones.
            digitEmbeddings = new ModuleList<Embedding>(config.ImageLevels.Select(l => Embedding(l, config.Embd)).ToArray());
            var place = 1;
            digitOfCode = new Tensor[config.ImageLevels.Length];
            for (var i = 0; i < config.ImageLevels.Length; i++)
            {
                var p = place;
                var level = config.ImageLevels[i];
                digitOfCode[i] = tensor(Enumerable.Range(0, imageCodes).Select(c => (long)(c / p % level)).ToArray()).DetachFromDisposeScope();
                place *= level;
            }
        }
        if (config.CodeFeatures > 0)
        {
            if (config.ImageLevels.Length == 0)
                throw new ArgumentException("CodeFeatures needs ImageLevels (the number of image codes)");
            // A code id says nothing about what it looks like; its decoded pixels do (a red sphere's codes look red).
            // Without them the policy could not bind a colour word to cells: which codes are "red" is only worth
            // learning once attention already follows the colour word, and the reverse (chicken and egg).
            codeProj = Linear(config.CodeFeatures, config.Embd, hasBias: false);
            codePixels = zeros(imageCodes, config.CodeFeatures);
            register_buffer("code_pixels", codePixels);
        }
        blocks = new ModuleList<Block>(Enumerable.Range(0, config.Layers).Select(_ => new Block(config)).ToArray());
        norm = new RmsNorm(config.Embd, config.NormEps);
        head = Linear(config.Embd, config.VocabSize, hasBias: false);
        rope = new Rope(config.Embd / config.Heads, config.BlockSize, config.RopeTheta);
        RegisterComponents();
        using (no_grad())
        {
            foreach (var (_, p) in named_parameters())
                if (p.dim() == 2)
                    init.normal_(p, 0, 0.02);
        }
    }

    /// <summary>Token ids [B, T] → logits [B, T, V] (no cache).</summary>
    public override Tensor forward(Tensor idx) => Forward(idx, null);

    /// <summary>
    /// Token ids [B, T] → logits [B, T, V]; with a cache, the ids continue the cached sequence. With
    /// <paramref name="lastOnly"/> only the last position's logits come back, [B, 1, V] (decoding needs no more).
    /// </summary>
    public Tensor Forward(Tensor idx, KvCache? cache, bool lastOnly = false)
    {
        var x = Hidden(idx, cache);                                       // (B, T, C)
        if (lastOnly)
            x = x.narrow(1, x.shape[1] - 1, 1);                           // (B, 1, C)
        return head.call(norm.call(x));                                   // (B, T, V)
    }

    /// <summary>
    /// Token ids [B, T] → logits [N, V] at the flattened positions <paramref name="rows"/> (int64 [N], indexing B·T) only.
    /// Training needs no logits where the loss weight is 0 (the given text, frame and state: about half a sequence).
    /// </summary>
    public Tensor ForwardAt(Tensor idx, Tensor rows)
    {
        // The last block's output at a position feeds only that position's logits, so it runs only from the first
        // position any row needs (in a training sequence the scene, actions and next frame come last): its queries,
        // attention output and MLP cover the tail, its keys and values every position.
        long t = idx.shape[1];
        var position = rows.remainder(t);                                 // (N) each row's position in its sequence
        var from = (int)position.min().item<long>();
        var x = Hidden(idx, null, from).flatten(0, 1);                    // (B·(T - from), C)
        var local = rows.div(t, rounding_mode: RoundingMode.floor) * (t - from) + position - from;
        return head.call(norm.call(x.index_select(0, local)));           // (N, V)
    }

    /// <summary>Runs ids [B, T] into the cache without computing logits (a prompt whose predictions nobody reads).</summary>
    public void Extend(Tensor idx, KvCache cache) => Hidden(idx, cache);

    /// <summary>Token ids [B, T] → the last block's output [B, T - lastFrom, C]; with a cache, the ids continue it and are added to it.</summary>
    /// <param name="lastFrom">The last block outputs only the positions from this one on (see <see cref="ForwardAt"/>).</param>
    private Tensor Hidden(Tensor idx, KvCache? cache, int lastFrom = 0)
    {
        var t = (int)idx.shape[1];
        var start = cache?.Length ?? 0;
        if (start + t > Config.BlockSize)
            throw new ArgumentException($"sequence of {start + t} tokens exceeds BlockSize {Config.BlockSize}");
        var x = Embed(idx);                                               // (B, T, C)
        if (textNgrams is not null)
            x = x + TextNgrams(idx);
        if (wpe is not null)
            x = x + wpe.call(arange(start, start + t, dtype: ScalarType.Int64)); // (T, C) broadcast over B
        for (var i = 0; i < blocks.Count; i++)
            x = blocks[i].Forward(x, rope, cache, i, i == blocks.Count - 1 ? lastFrom : 0);
        cache?.Advance(t);
        return x;
    }

    /// <summary>Ids [B, T] → embeddings [B, T, C]: the id's own row, plus its digits' rows when it is an image code.</summary>
    private Tensor Embed(Tensor idx)
    {
        var x = wte.call(idx);
        if (digitEmbeddings is null)
            return x;
        // Per token, not via the whole table: a decoding step must not pay for every code in the vocabulary.
        var codes = digitOfCode[0].shape[0];
        var local = (idx - Config.ImageOffset).clamp(0, codes - 1).flatten();          // (B·T)
        var isImage = idx.ge(Config.ImageOffset).logical_and(idx.lt(Config.ImageOffset + codes)).unsqueeze(-1).to_type(x.dtype);
        for (var i = 0; i < digitEmbeddings.Count; i++)
            x = x + digitEmbeddings[i].call(digitOfCode[i].index_select(0, local)).view_as(x) * isImage;
        if (codeProj is not null)
            x = x + codeProj.call(codePixels!.index_select(0, local) - 0.5f).view_as(x) * isImage;   // pixels centred on 0
        return x;
    }

    /// <summary>
    /// Hashed n-gram rows for text bytes, [B, T, C]: at a byte whose one (two) predecessors in <paramref name="idx"/> are
    /// bytes too, the bigram (trigram) ending there. Needs the whole instruction in one call, which is how it is fed.
    /// </summary>
    private Tensor TextNgrams(Tensor idx)
    {
        long t = idx.shape[1], buckets = Config.TextNgramBuckets;
        var isText = idx.ge(Vocabulary.TextOffset).logical_and(idx.lt(Vocabulary.TextOffset + Vocabulary.TextCount));
        var b = (idx - Vocabulary.TextOffset).masked_fill(isText.logical_not(), -1);                 // (B, T) byte or -1
        var b1 = F.pad(b, [1, 0], value: -1).narrow(1, 0, t);                                               // byte before
        var b2 = F.pad(b, [2, 0], value: -1).narrow(1, 0, t);                                               // two before
        var bigram = isText.logical_and(b1.ge(0));
        var trigram = bigram.logical_and(b2.ge(0));
        // The 16- and 24-bit n-gram values times a large odd constant, modulo a prime, then modulo the buckets. Without
        // the prime, a power-of-two bucket count would keep only the low bits: the last byte alone.
        const long prime = 1_000_003;
        var h2 = ((b1 * 256 + b) * 2654435761L).remainder(prime).remainder(buckets).clamp_min(0);
        var h3 = (((b2 * 256 + b1) * 256 + b) * 2246822519L + 1).remainder(prime).remainder(buckets).clamp_min(0);
        var dtype = textNgrams!.weight!.dtype;
        return textNgrams.call(h2) * bigram.unsqueeze(-1).to_type(dtype) + textNgrams.call(h3) * trigram.unsqueeze(-1).to_type(dtype);
    }

    /// <summary>Sets what each image code looks like, [codes, CodeFeatures] (<see cref="Imaging.FsqImageTokenizer.CodePatches"/>); saved with the weights.</summary>
    public void SetCodePixels(Tensor pixels)
    {
        if (codePixels is null)
            throw new InvalidOperationException("this model has no code features (CodeFeatures = 0)");
        using var noGrad = no_grad();
        codePixels.copy_(pixels);
    }

    /// <summary>The embedding of every id, [V, C]: wte, plus the shared digit rows and the pixel projection for image codes (no text n-grams: they depend on the neighbours, and the vector decoder never steps through text).</summary>
    public Tensor EmbeddingTable() => Embed(arange(Config.VocabSize, dtype: ScalarType.Int64).unsqueeze(0))[0];

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rope.Dispose();
            foreach (var d in digitOfCode)
                d.Dispose();
        }
        base.Dispose(disposing);
    }
}
