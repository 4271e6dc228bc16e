using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Controller.Model.Imaging;

/// <summary>Image tokenizer hyper-parameters. Stored as JSON in the checkpoint.</summary>
public sealed record FsqConfig
{
    public int ImageSize { get; init; } = 64;          // input is ImageSize² RGB
    public int Downsample { get; init; } = 8;           // 64/8 → an 8×8 grid = 64 tokens per frame
    public int Channels { get; init; } = 32;            // width of the first conv; the 8×8 stages use 2×
    public int[] Levels { get; init; } = [7, 7, 5, 5];  // FSQ levels per latent channel → 1225 codes (odd levels: no offset needed)
    public string Kind { get; init; } = "patch";         // "patch": per-patch encoder, decoder with neighbour context; trains in minutes. "conv": deep conv encoder/decoder
    public int Hidden { get; init; } = 256;              // width of the patch MLP
    public int DecoderKernel { get; init; } = 3;         // "patch" decoder: each patch is drawn from the codes of its k×k neighbourhood

    public int Grid => ImageSize / Downsample;
    public int TokensPerImage => Grid * Grid;
    public int CodebookSize => Levels.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// FSQ autoencoder (Mentzer et al. 2023): a conv encoder maps [B,3,64,64] to [B,L,8,8], each latent channel is
/// bounded with tanh and rounded to one of Levels[i] values (straight-through gradient), and a conv decoder maps
/// back to pixels. No codebook to collapse. The code of a cell is the mixed-radix number of its rounded levels.
/// Not thread-safe (TorchSharp modules); callers serialize access.
/// </summary>
public sealed class FsqImageTokenizer : Module<Tensor, Tensor>
{
    private readonly Sequential encoder;
    private readonly Sequential decoder;
    private readonly Tensor halfLevels;   // [L] (level-1)/2
    private readonly Tensor basis;        // [L] mixed-radix place values

    public FsqConfig Config { get; }

    public FsqImageTokenizer(FsqConfig config) : base(nameof(FsqImageTokenizer))
    {
        Config = config;
        int c = config.Channels, c2 = 2 * config.Channels, l = config.Levels.Length;
        var enc = new List<(string, Module<Tensor, Tensor>)>();
        var dec = new List<(string, Module<Tensor, Tensor>)>();
        if (config.Kind == "patch")
        {
            // A conv with kernel = stride = patch is a linear map of each patch; 1×1 convs make it a per-patch MLP.
            int p = config.Downsample, h = config.Hidden;
            enc.Add(("patch", Conv2d(3, h, p, stride: p)));
            enc.Add(("act0", SiLU()));
            enc.Add(("mix", Conv2d(h, h, 1)));
            enc.Add(("act1", SiLU()));
            enc.Add(("proj", Conv2d(h, l, 1)));
            // The decoder sees neighbouring codes, so an edge or a sphere crossing a patch border is drawn continuously
            // rather than as one of CodebookSize fixed tiles.
            int k = config.DecoderKernel, pad = k / 2;
            dec.Add(("proj", Conv2d(l, h, k, padding: pad)));
            dec.Add(("act0", SiLU()));
            dec.Add(("mix", Conv2d(h, h, k, padding: pad)));
            dec.Add(("act1", SiLU()));
            dec.Add(("unpatch", ConvTranspose2d(h, 3, p, stride: p)));
        }
        else
        {
            BuildConv(config, enc, dec, c, c2, l);
        }
        encoder = Sequential(enc);
        decoder = Sequential(dec);
        var half = config.Levels.Select(v => (v - 1) / 2f).ToArray();
        var places = new float[l];
        var pl = 1;
        for (var i = 0; i < l; i++) { places[i] = pl; pl *= config.Levels[i]; }
        halfLevels = tensor(half).reshape(1, l, 1, 1);
        basis = tensor(places).reshape(1, l, 1, 1);
        RegisterComponents();
    }

    private static void BuildConv(FsqConfig config, List<(string, Module<Tensor, Tensor>)> enc, List<(string, Module<Tensor, Tensor>)> dec, int c, int c2, int l)
    {
        var stages = (int)Math.Log2(config.Downsample);
        var inCh = 3;
        for (var s = 0; s < stages; s++)
        {
            var outCh = s == 0 ? c : c2;
            enc.Add(($"down{s}", Conv2d(inCh, outCh, 4, stride: 2, padding: 1)));
            enc.Add(($"act{s}", SiLU()));
            inCh = outCh;
        }
        enc.Add(("mix", Conv2d(c2, c2, 3, padding: 1)));
        enc.Add(("actm", SiLU()));
        enc.Add(("proj", Conv2d(c2, l, 1)));
        dec.Add(("proj", Conv2d(l, c2, 3, padding: 1)));
        dec.Add(("actp", SiLU()));
        dec.Add(("mix", Conv2d(c2, c2, 3, padding: 1)));
        dec.Add(("actm", SiLU()));
        // Channels halve on the way up: the full-resolution layers dominate the cost, so they stay narrow.
        var ch = c2;
        for (var s = 0; s < stages; s++)
        {
            var outCh = s == 0 ? c2 : Math.Max(8, ch / 2);
            dec.Add(($"up{s}", ConvTranspose2d(ch, outCh, 4, stride: 2, padding: 1)));
            dec.Add(($"actu{s}", SiLU()));
            ch = outCh;
        }
        dec.Add(("out", Conv2d(ch, 3, 3, padding: 1)));
    }

    /// <summary>Reconstruction of [B,3,H,W] images in [0,1] through the quantiser (training path).</summary>
    public override Tensor forward(Tensor images) => Decode(Quantize(Encode(images)));

    /// <summary>[B,3,H,W] in [0,1] → continuous latents [B,L,g,g].</summary>
    public Tensor Encode(Tensor images) => encoder.call(images * 2 - 1);

    /// <summary>Bounded, rounded latents in [-1,1] with a straight-through gradient. [B,L,g,g].</summary>
    public Tensor Quantize(Tensor z)
    {
        var hl = halfLevels * (1 - 1e-3);
        var bounded = z.tanh() * hl;
        var rounded = bounded + (bounded.round() - bounded).detach();
        return rounded / halfLevels;
    }

    /// <summary>Latents [B,L,g,g] → images [B,3,H,W] (unclamped; clamp for display). The decoder predicts the offset
    /// from mid-grey, so training does not start by dragging every weight towards the table colour.</summary>
    public Tensor Decode(Tensor q) => decoder.call(q) * 0.5 + 0.5;

    /// <summary>Images [B,3,H,W] → codes [B, g·g] (row-major grid), int64.</summary>
    public Tensor Codes(Tensor images)
    {
        var q = Quantize(Encode(images));
        var digits = (q * halfLevels).round() + halfLevels;       // [B,L,g,g] in 0..level-1
        return (digits * basis).sum(1).flatten(1).to_type(ScalarType.Int64);
    }

    /// <summary>Codes [B, g·g] → images [B,3,H,W] clamped to [0,1].</summary>
    public Tensor FromCodes(Tensor codes)
    {
        var g = Config.Grid;
        var l = Config.Levels.Length;
        var c = codes.to_type(ScalarType.Float32).reshape(-1, 1, g, g);
        var levels = tensor(Config.Levels.Select(v => (float)v).ToArray()).reshape(1, l, 1, 1);
        var digits = (c / basis).floor().remainder(levels);       // [B,L,g,g]
        return Decode((digits - halfLevels) / halfLevels).clamp(0, 1);
    }

    /// <summary>
    /// Every code drawn on its own, [CodebookSize, 3·D·D] in [0, 1] (D = Downsample): the centre patch of a grid that
    /// holds only that code. The world model embeds these pixels, so a code's colour and where in its patch an object
    /// sits are known from the start instead of being learnt per code id. Call under no_grad.
    /// </summary>
    public Tensor CodePatches()
    {
        int g = Config.Grid, d = Config.Downsample, n = Config.CodebookSize, at = g / 2 * d;
        var parts = new List<Tensor>();
        for (var first = 0; first < n; first += 128)
        {
            var count = Math.Min(128, n - first);
            var codes = arange(first, first + count, dtype: ScalarType.Int64).unsqueeze(1).expand(count, g * g);
            parts.Add(FromCodes(codes).narrow(2, at, d).narrow(3, at, d).flatten(1));     // (count, 3·D·D)
        }
        return cat(parts, 0);
    }
}
