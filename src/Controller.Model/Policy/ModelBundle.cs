using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Decoding;
using Controller.Model.Imaging;
using Controller.Model.Runtime;
using Controller.Model.Tokens;
using Controller.Model.Training;
using static TorchSharp.torch;

namespace Controller.Model.Policy;

/// <summary>
/// Action chunk predicted by the model: joint targets [step][joint], and the tokens they were decoded from.
/// <paramref name="Object"/>: the scene tokens the model wrote first, in metres on the table: the instruction's object
/// (x, y), then its goal (x, y) for checkpoints since session 4, then the tip's waypoint at the chunk's end (x, y, z)
/// for checkpoints since session 5; null for checkpoints without them.
/// </summary>
public sealed record ActionPrediction(float[][] Targets, int[] Tokens, float[]? Object = null);

/// <summary>
/// A trained checkpoint directory (world_model.safetensors + image_tokenizer.safetensors + config.json) loaded for
/// inference. Every call runs in its own DisposeScope under no_grad and returns plain arrays: no tensor leaves.
/// Thread-safe: calls are serialised by a lock (TorchSharp modules are not re-entrant).
/// </summary>
public sealed class ModelBundle : IDisposable
{
    private readonly FsqImageTokenizer fsq;
    private readonly WorldModel model;
    private readonly FrameRenderer? renderer;     // draws imagined frames when the directory has one (train renderer)
    private readonly Lock gate = new();
    private readonly KvCache cache;
    private readonly VectorDecoder vector;
    private readonly List<int> afterScene = [];                // reused each tick: the tokens between scene and actions (under gate)
    private string? cachedInstruction;
    private int instructionTokens;

    private ModelBundle(ModelManifest manifest, FsqImageTokenizer fsq, WorldModel model, FrameRenderer? renderer)
    {
        Manifest = manifest;
        this.fsq = fsq;
        this.model = model;
        this.renderer = renderer;
        cache = new KvCache(model.Config);
        vector = new VectorDecoder(model);
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
    /// <paramref name="warmUpTicks"/> policy calls on a blank frame run before it returns (see <see cref="WarmUp"/>).
    /// </summary>
    public static ModelBundle Load(string dir, int threads = 1, int warmUpTicks = 40)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        if (threads > 0)
            set_num_threads(threads);
        if (!Directory.Exists(dir))
            throw new CheckpointException($"model directory '{dir}' does not exist (train one with `./controller train model`, or use models/default)");
        var weights = Path.Combine(dir, ModelTrainer.WeightsFile);
        var tokenizer = Path.Combine(dir, TokenizerTrainer.WeightsFile);
        var (tensors, meta) = SafeTensors.Read(weights);
        var manifest = ModelManifest.FromMetadata(meta, weights);
        var fsq = TokenizerTrainer.Load(tokenizer);
        try
        {
            if (fsq.Config.CodebookSize != manifest.Image.CodebookSize || fsq.Config.Grid != manifest.Image.Grid)
                throw new CheckpointException($"'{tokenizer}' ({fsq.Config.CodebookSize} codes) is not the tokenizer '{weights}' was trained with ({manifest.Image.CodebookSize} codes)");
            if (manifest.Model.VocabSize != manifest.Vocab.Size)
                throw new CheckpointException($"'{weights}': model vocabulary {manifest.Model.VocabSize} ≠ layout {manifest.Vocab.Size}");
            var model = ModuleWeights.Loaded(new WorldModel(manifest.Model), tensors, weights);
            var rendererPath = Path.Combine(dir, RendererTrainer.WeightsFile);
            FrameRenderer? renderer;
            try
            {
                renderer = File.Exists(rendererPath) ? RendererTrainer.Load(rendererPath) : null;
            }
            catch
            {
                model.Dispose();
                throw;
            }
            var bundle = new ModelBundle(manifest, fsq, model, renderer);
            bundle.WarmUp(warmUpTicks);
            return bundle;
        }
        catch
        {
            fsq.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the policy on a blank frame: .NET compiles a method with optimisations only after ~30 calls, and
    /// libtorch sizes its buffers on first use, so without this the first few dozen control ticks took 2–3× the
    /// settled time (measured: 30–45 ms, then ~12 ms). Leaves no instruction cached.
    /// </summary>
    public void WarmUp(int ticks)
    {
        var blank = new byte[ImageSize * ImageSize * 3];
        var state = new float[Manifest.State.Dims];
        for (var i = 0; i < ticks; i++)
            PredictActions("warm up", blank, state);
        lock (gate)
            cachedInstruction = null;
    }

    /// <summary>Packed RGB (ImageSize²×3) → image codes (grid², row-major).</summary>
    public int[] EncodeFrame(byte[] rgb)
    {
        CheckImage(rgb);
        return Torch(() => Codes(rgb));
    }

    /// <summary>
    /// Runs TorchSharp work under the gate, no_grad and one DisposeScope, with the GC held off (<see cref="NoGcTick"/>):
    /// TorchSharp hands temporary Scalars (the alpha of <c>a + b</c>) to libtorch by handle without keeping them alive,
    /// and a GC during the call can finalize one ("Expected false to be true" from Scalar.h: once per thousand ticks
    /// under load, and in a CI run's warm-up before every call went through here).
    /// </summary>
    private T Torch<T>(Func<T> work) => NoGcTick.Run(() =>
    {
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return work();
        }
    });

    /// <summary>Packed RGB → image codes; call under the gate, no_grad and a DisposeScope.</summary>
    private int[] Codes(byte[] rgb) => fsq.Codes(ImageOps.ToTensor([rgb], ImageSize)).to_type(ScalarType.Int32).data<int>().ToArray();

    /// <summary>Image codes → packed RGB through the tokenizer's decoder.</summary>
    public byte[] DecodeCodes(int[] codes) =>
        Torch(() => ImageOps.FromTensor(fsq.FromCodes(tensor(codes.Select(v => (long)v).ToArray(), 1, codes.Length)))[0]);

    /// <summary>
    /// The policy: frame + joint positions + instruction → an action chunk by constrained greedy decoding (sampled
    /// with <paramref name="sampling"/>). The prompt runs through TorchSharp in one pass; the scene and action tokens
    /// are decoded by the <see cref="VectorDecoder"/>.
    /// </summary>
    public ActionPrediction PredictActions(string instruction, byte[] rgb, float[] state, Sampling? sampling = null)
    {
        CheckImage(rgb);
        CheckState(state);
        return Torch(() =>
        {
            var (objectBins, tokens) = DecodePlan(Observation(instruction, rgb, state, out _), state, null, sampling);
            var chunk = ActionTokenizer.Decode(tokens);
            if (Manifest.ActionFrame == ActionFrame.Delta)
                foreach (var step in chunk)
                    for (var j = 0; j < step.Length; j++)
                        step[j] += state[j];
            return new ActionPrediction(chunk, tokens, Layout.HasObject ? Layout.ObjectPosition(objectBins, Manifest.Objects!) : null);
        });
    }

    /// <summary>
    /// Imagination: the frame Horizon steps ahead, decoded token by token and rendered against the current frame as the
    /// expected frame under the model's per-cell belief (<see cref="RenderExpected"/>). With <paramref name="actionTokens"/>
    /// null the model first picks its own actions.
    /// Null when the context is full.
    /// </summary>
    public byte[]? Imagine(string instruction, byte[] rgb, float[] state, int[]? actionTokens = null)
    {
        var belief = new CellBelief(Layout.Grid * Layout.Grid);
        var codes = ImagineCodes(instruction, rgb, state, actionTokens, out var now, belief);
        return codes is null ? null : RenderExpected(codes, belief, rgb, now);
    }

    /// <summary>
    /// Renders imagined codes using the current frame as reference, as a video codec's skip blocks do: a patch whose
    /// imagined code equals the current frame's code is predicted unchanged and keeps the current frame's pixels; the
    /// other patches (what the model expects to move) come from the tokenizer's decoder. When the checkpoint directory
    /// has a <see cref="FrameRenderer"/>, it draws the frame instead, starting from that same rule. Packed RGB.
    /// <paramref name="referenceCodes"/>: the reference's own codes, when the caller already has them.
    /// </summary>
    public byte[] RenderAgainst(int[] codes, byte[] reference, int[]? referenceCodes = null)
    {
        var now = referenceCodes ?? EncodeFrame(reference);
        if (renderer is not null)
            return Render(codes, reference, now);
        var drawn = DecodeCodes(codes);
        int size = ImageSize, grid = Layout.Grid, patch = size / grid;
        var result = (byte[])drawn.Clone();
        for (var i = 0; i < codes.Length; i++)
        {
            if (codes[i] != now[i])
                continue;
            int r0 = i / grid * patch, c0 = i % grid * patch;
            for (var r = r0; r < r0 + patch; r++)
                Array.Copy(reference, (r * size + c0) * 3, result, (r * size + c0) * 3, patch * 3);
        }
        return result;
    }

    /// <summary>
    /// The expected frame under the model's per-cell belief: each cell is the reference's pixels blended with the
    /// drawing of its most likely changed code by P(change). Greedy codes pick one outcome per cell; where the model
    /// is unsure, the blend is the prediction with the lower expected squared error.
    /// </summary>
    public byte[] RenderExpected(int[] codes, CellBelief belief, byte[] reference, int[] referenceCodes)
    {
        var candidate = new int[codes.Length];
        for (var i = 0; i < codes.Length; i++)
            candidate[i] = codes[i] != referenceCodes[i] || belief.Change[i] < MinDrawnChange ? codes[i] : belief.Alternative[i];
        var drawn = RenderAgainst(candidate, reference, referenceCodes);
        int size = ImageSize, grid = Layout.Grid, patch = size / grid;
        var result = new byte[drawn.Length];
        for (var i = 0; i < codes.Length; i++)
        {
            var p = candidate[i] == referenceCodes[i] ? 0f : belief.Change[i];
            int r0 = i / grid * patch, c0 = i % grid * patch;
            for (var r = r0; r < r0 + patch; r++)
                for (var k = (r * size + c0) * 3; k < (r * size + c0 + patch) * 3; k++)
                    result[k] = (byte)MathF.Round(reference[k] + p * (drawn[k] - reference[k]));
        }
        return result;
    }

    /// <summary>Below this P(change) a cell the greedy decoding kept is not drawn changed at all.</summary>
    private const float MinDrawnChange = 0.05f;

    /// <summary>The <see cref="FrameRenderer"/>'s drawing of <paramref name="codes"/> given the reference frame and its codes.</summary>
    private byte[] Render(int[] codes, byte[] reference, int[] referenceCodes)
    {
        return Torch(() =>
        {
            var input = FrameRenderer.Inputs(fsq, ImageOps.ToTensor([reference], ImageSize), Ids(codes), Ids(referenceCodes));
            return ImageOps.FromTensor(renderer!.call(input).clamp(0, 1))[0];
        });

        static Tensor Ids(int[] c) => tensor(c.Select(v => (long)v).ToArray(), 1, c.Length);
    }

    /// <summary>
    /// The image codes of the imagined frame (see <see cref="Imagine"/>), or null when the context is full;
    /// <paramref name="now"/> gets the current frame's codes (the reference for <see cref="RenderAgainst"/>).
    /// </summary>
    public int[]? ImagineCodes(string instruction, byte[] rgb, float[] state, int[]? actionTokens, out int[] now, CellBelief? belief = null)
    {
        CheckImage(rgb);
        CheckState(state);
        int[] current = [];
        var codes = Torch(() =>
        {
            var (objectBins, actions) = DecodePlan(Observation(instruction, rgb, state, out current), state, actionTokens);
            var plan = new List<int>();
            if (Layout.HasObject)
                Layout.Object(plan, objectBins);
            Layout.AfterScene(plan, state, Manifest.State);
            Layout.Actions(plan, actions);
            // The TorchSharp cache ends with the observation; the C# decoder goes on from there with the plan, then
            // the frame's 64 cells: ~11 ms here, against ~43 ms through TorchSharp (bench: decode64_vector, decode64_cached).
            vector.Load(cache);
            if (vector.Length + plan.Count + Decoder.ImageSpan(Layout.Grid) > model.Config.BlockSize)
                return null;
            foreach (var id in plan)
                vector.Step(id);
            return vector.DecodeImage(Layout.Vocab, Layout.Grid, current, belief);
        });
        now = current;
        return codes;
    }

    /// <summary>
    /// Runs the observation tokens into the cache (TorchSharp, one pass), then decodes with the <see cref="VectorDecoder"/>
    /// the object's bins (empty without object tokens) and the chunk's action tokens, unless <paramref name="actions"/>
    /// are given; a scene-first layout's <paramref name="state"/> goes in between. The TorchSharp cache ends with the observation.
    /// </summary>
    private (int[] Object, int[] Actions) DecodePlan(List<int> observation, float[] state, int[]? actions, Sampling? sampling = null)
    {
        Decoder.Prompt(model, cache, observation);
        if (actions is not null && !Layout.HasObject)
            return ([], actions);                                     // nothing left for the C# decoder
        vector.Load(cache);
        var objectBins = Layout.HasObject ? vector.DecodeObject(Layout.Vocab, sampling) : [];
        if (actions is null)
        {
            afterScene.Clear();
            Layout.AfterScene(afterScene, state, Manifest.State);
            foreach (var id in afterScene)
                vector.Step(id);
        }
        return (objectBins, actions ?? vector.DecodeActions(Layout.Vocab, ActionTokenizer, sampling));
    }

    /// <summary>
    /// Leaves the cache holding exactly <c>BOS instruction</c> (computed once per instruction: it is the same on every
    /// tick of an episode) and returns the tokens of this tick's observation, <c>BOI frame EOI BOSt state EOSt</c>
    /// (a scene-first layout's state comes after the scene tokens, in <see cref="DecodePlan"/>), and the frame's image codes.
    /// </summary>
    private List<int> Observation(string instruction, byte[] rgb, float[] state, out int[] codes)
    {
        var seq = new List<int>(model.Config.BlockSize);
        if (instruction == cachedInstruction)
        {
            cache.Truncate(instructionTokens);
        }
        else
        {
            cache.Truncate(0);
            cachedInstruction = null;
            Layout.Instruction(seq, instruction);
            Decoder.Prompt(model, cache, seq);
            (cachedInstruction, instructionTokens) = (instruction, cache.Length);
            seq.Clear();
        }
        codes = Codes(rgb);
        Layout.Observation(seq, codes, state, Manifest.State);
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
        cache.Dispose();
        model.Dispose();
        renderer?.Dispose();
        fsq.Dispose();
    }
}
