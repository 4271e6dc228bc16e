using Controller.Model.Checkpoints;
using Controller.Model.Decoding;
using Controller.Model.Imaging;
using Controller.Model.Tokens;
using Controller.Model.Training;
using static TorchSharp.torch;

namespace Controller.Model.Policy;

/// <summary>Action chunk predicted by the model: deltas [step][joint] from the current position, and the tokens.</summary>
public sealed record ActionPrediction(float[][] Deltas, int[] Tokens);

/// <summary>
/// A trained checkpoint directory (world_model.safetensors + image_tokenizer.safetensors + config.json) loaded for
/// inference. Every call runs in its own DisposeScope under no_grad and returns plain arrays: no tensor leaves.
/// Thread-safe: calls are serialised by a lock (TorchSharp modules are not re-entrant).
/// </summary>
public sealed class ModelBundle : IDisposable
{
    private readonly FsqImageTokenizer fsq;
    private readonly WorldModel model;
    private readonly Lock gate = new();

    private ModelBundle(ModelManifest manifest, FsqImageTokenizer fsq, WorldModel model)
    {
        Manifest = manifest;
        this.fsq = fsq;
        this.model = model;
        ActionTokenizer = manifest.Actions.Build();
        Layout = manifest.Layout;
    }

    public ModelManifest Manifest { get; }
    public IActionTokenizer ActionTokenizer { get; }
    public SequenceLayout Layout { get; }
    public int ImageSize => Manifest.Image.ImageSize;

    /// <summary>
    /// Loads and validates a checkpoint directory; throws <see cref="CheckpointException"/> saying what is wrong.
    /// <paramref name="threads"/> sets torch's process-wide intra-op threads (1 by default: a tick is a chain of small
    /// ops, and on a busy machine OpenMP barriers across 2 threads cost more than they save); 0 leaves it alone.
    /// </summary>
    public static ModelBundle Load(string dir, int threads = 1)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        if (threads > 0)
            set_num_threads(threads);
        if (!Directory.Exists(dir))
            throw new CheckpointException($"model directory '{dir}' does not exist (train one with `./controller train model`, or use models/default)");
        var weights = Path.Combine(dir, ModelTrainer.WeightsFile);
        var tokenizer = Path.Combine(dir, TokenizerTrainer.WeightsFile);
        var (tensors, meta) = SafeTensors.Read(weights);
        if (!meta.TryGetValue("manifest", out var json))
            throw new CheckpointException($"'{weights}' has no manifest metadata: not a world-model checkpoint");
        var manifest = ModelManifest.FromJson(json, weights);
        var fsq = TokenizerTrainer.Load(tokenizer);
        try
        {
            if (fsq.Config.CodebookSize != manifest.Image.CodebookSize || fsq.Config.Grid != manifest.Image.Grid)
                throw new CheckpointException($"'{tokenizer}' ({fsq.Config.CodebookSize} codes) is not the tokenizer '{weights}' was trained with ({manifest.Image.CodebookSize} codes)");
            if (manifest.Model.VocabSize != manifest.Vocab.Size)
                throw new CheckpointException($"'{weights}': model vocabulary {manifest.Model.VocabSize} ≠ layout {manifest.Vocab.Size}");
            var model = new WorldModel(manifest.Model);
            try
            {
                ModuleWeights.Apply(model, tensors, weights);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            model.eval();
            return new ModelBundle(manifest, fsq, model);
        }
        catch
        {
            fsq.Dispose();
            throw;
        }
    }

    /// <summary>Packed RGB (ImageSize²×3) → image codes (grid², row-major).</summary>
    public int[] EncodeFrame(byte[] rgb)
    {
        CheckImage(rgb);
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return fsq.Codes(ImageOps.ToTensor([rgb], ImageSize)).to_type(ScalarType.Int32).data<int>().ToArray();
        }
    }

    /// <summary>Image codes → packed RGB through the tokenizer's decoder.</summary>
    public byte[] DecodeCodes(int[] codes)
    {
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var c = tensor(codes.Select(v => (long)v).ToArray(), 1, codes.Length);
            return ImageOps.FromTensor(fsq.FromCodes(c))[0];
        }
    }

    /// <summary>The policy: frame + joint positions + instruction → an action chunk by constrained decoding.</summary>
    public ActionPrediction PredictActions(string instruction, byte[] rgb, float[] state)
    {
        CheckImage(rgb);
        CheckState(state);
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var cache = new KvCache(model.Config);
            var prefix = Prefix(instruction, rgb, state);
            prefix.Add(Vocabulary.Boa);
            var logits = Decoder.Feed(model, cache, prefix);
            var tokens = Decoder.DecodeActions(model, cache, logits, Layout.Vocab, ActionTokenizer);
            return new ActionPrediction(ActionTokenizer.Decode(tokens), tokens);
        }
    }

    /// <summary>
    /// Imagination: the frame Horizon steps ahead, decoded token by token and rendered by the tokenizer decoder.
    /// With <paramref name="actionTokens"/> null the model first picks its own actions. Null when the context is full.
    /// </summary>
    public byte[]? Imagine(string instruction, byte[] rgb, float[] state, int[]? actionTokens = null)
    {
        CheckImage(rgb);
        CheckState(state);
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var cache = new KvCache(model.Config);
            var prefix = Prefix(instruction, rgb, state);
            if (actionTokens is null)
            {
                prefix.Add(Vocabulary.Boa);
                var logits = Decoder.Feed(model, cache, prefix);
                Decoder.DecodeActions(model, cache, logits, Layout.Vocab, ActionTokenizer);
                prefix.Clear();
            }
            else
            {
                Layout.Actions(prefix, actionTokens);
            }
            var codes = Decoder.DecodeImage(model, cache, Layout.Vocab, Layout.Grid, prefix);
            if (codes is null)
                return null;
            var c = tensor(codes.Select(v => (long)v).ToArray(), 1, codes.Length);
            return ImageOps.FromTensor(fsq.FromCodes(c))[0];
        }
    }

    private List<int> Prefix(string instruction, byte[] rgb, float[] state)
    {
        var seq = new List<int>(model.Config.BlockSize);
        Layout.Instruction(seq, instruction);
        var codes = fsq.Codes(ImageOps.ToTensor([rgb], ImageSize)).to_type(ScalarType.Int32).data<int>().ToArray();
        Layout.Image(seq, codes);
        Layout.State(seq, state, Manifest.State);
        return seq;
    }

    private void CheckImage(byte[] rgb)
    {
        if (rgb.Length != ImageSize * ImageSize * 3)
            throw new ArgumentException($"expected a packed RGB image of {ImageSize}×{ImageSize} ({ImageSize * ImageSize * 3} bytes), got {rgb.Length} bytes");
    }

    private void CheckState(float[] state)
    {
        if (state.Length != Manifest.State.Dims)
            throw new ArgumentException($"model was trained on {Manifest.State.Dims} joints, got {state.Length}");
        if (!Array.TrueForAll(state, float.IsFinite))
            throw new ArgumentException("joint state contains NaN or infinity");
    }

    public void Dispose()
    {
        model.Dispose();
        fsq.Dispose();
    }
}
