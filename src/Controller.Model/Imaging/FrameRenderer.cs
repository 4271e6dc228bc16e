using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Controller.Model.Imaging;

/// <summary>
/// Draws a future frame from its image codes and the current frame, as a video decoder conditioned on the past
/// frame does (GAIA-1's video decoder; a codec's motion-compensated residual). The skip-block rendering
/// (<c>ModelBundle.RenderAgainst</c>) keeps the current frame's pixels where a code is unchanged and takes the
/// tokenizer's drawing of the code elsewhere; this module starts as exactly that (its last conv is zero) and learns a
/// correction of the changed cells from the current frame, both drawings and the changed-cell mask: the table under a
/// moved arm is in the current frame, not in the code. The tokenizer is frozen, so the world model's codes mean what they meant.
/// Input [B,10,H,W] from <see cref="Inputs"/>; output [B,3,H,W] in [0,1] (unclamped while training).
/// </summary>
public sealed class FrameRenderer : Module<Tensor, Tensor>
{
    public const int InputChannels = 10;
    private readonly Sequential net;

    public FrameRenderer(int width = 32) : base("frame_renderer")
    {
        var last = Conv2d(width, 3, 3, padding: 1);
        using (no_grad())
        {
            last.weight!.zero_();
            last.bias!.zero_();
        }
        net = Sequential(
            Conv2d(InputChannels, width, 3, padding: 1), SiLU(),
            Conv2d(width, width, 3, padding: 1), SiLU(),
            Conv2d(width, width, 3, padding: 1), SiLU(),
            last);
        RegisterComponents();
    }

    // The correction applies only where a code changed: elsewhere the current frame's pixels are exact, and a
    // correction there (trained on the pixel-summed MSE, dominated by frames that change a lot) cost 3 dB of mean
    // PSNR on the many frames that hardly change (measured: 30.4 against the skip-block rule's 33.4 dB).
    public override Tensor forward(Tensor input) => SkipBlock(input) + Changed(input) * net.call(input);

    /// <summary>The skip-block rule on an <see cref="Inputs"/> tensor: the tokenizer's drawing in changed cells, the reference elsewhere. [B,3,H,W].</summary>
    public static Tensor SkipBlock(Tensor input)
    {
        var changed = Changed(input);
        return changed * input.narrow(1, 3, 3) + (1 - changed) * input.narrow(1, 0, 3);
    }

    private static Tensor Changed(Tensor input) => input.narrow(1, 9, 1);                // (B,1,H,W)

    /// <summary>
    /// The renderer's input, [B,10,H,W]: the reference frame [B,3,H,W] in [0,1], the tokenizer's drawing of
    /// <paramref name="codes"/> and of <paramref name="referenceCodes"/> (both [B, g·g]), and 1 on cells whose code
    /// differs from the reference's.
    /// </summary>
    public static Tensor Inputs(FsqImageTokenizer tokenizer, Tensor reference, Tensor codes, Tensor referenceCodes)
    {
        int g = tokenizer.Config.Grid, patch = tokenizer.Config.Downsample;
        var changed = codes.ne(referenceCodes).to_type(ScalarType.Float32).reshape(-1, 1, g, g)
            .repeat_interleave(patch, 2).repeat_interleave(patch, 3);                        // (B,1,H,W)
        return cat([reference, tokenizer.FromCodes(codes), tokenizer.FromCodes(referenceCodes), changed], 1);
    }
}
