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
    public int[] Levels { get; init; } = [7, 5, 5, 5];  // FSQ levels per latent channel → 875 codes (odd levels: no offset needed)

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
        encoder = Sequential(enc);
        decoder = Sequential(dec);
        var half = config.Levels.Select(v => (v - 1) / 2f).ToArray();
        var places = new float[l];
        var p = 1;
        for (var i = 0; i < l; i++) { places[i] = p; p *= config.Levels[i]; }
        halfLevels = tensor(half).reshape(1, l, 1, 1);
        basis = tensor(places).reshape(1, l, 1, 1);
        RegisterComponents();
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

    /// <summary>Latents [B,L,g,g] → images [B,3,H,W] (unclamped; clamp for display).</summary>
    public Tensor Decode(Tensor q) => decoder.call(q);

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
}
