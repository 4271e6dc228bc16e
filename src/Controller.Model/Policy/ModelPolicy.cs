using Controller.Model.Runtime;
using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Model.Decoding;
using Controller.Model.Imaging;

namespace Controller.Model.Policy;

/// <summary>
/// The world model as an <see cref="IPolicy"/>: the newest frame (of <c>cameraId</c>, or the first camera), the joint
/// positions and the instruction go in; a chunk of absolute joint targets comes out, with the action tokens that
/// produced it. One DisposeScope per <see cref="Infer"/> (inside <see cref="ModelBundle"/>); no tensors leave.
/// Bad input is rejected with a metric and answered with an empty chunk (nothing to send: the robot holds).
/// <see cref="Imagine"/> may run alongside <see cref="Infer"/> (the bundle serialises them); <see cref="Infer"/> keeps
/// the stall and ensemble state of one control loop, so one caller drives it. Blocking: takes a few ms of CPU per call.
/// </summary>
/// <remarks>With <c>limits</c> (the robot profile's joints) targets are clipped into each joint's position range, as
/// the model knows nothing of limits; the safety layer downstream still applies its own checks. <c>options</c> choose
/// how much of each chunk is returned, temporal ensembling and sampling after a stall (<see cref="ModelPolicyOptions"/>).</remarks>
public sealed class ModelPolicy(ModelBundle bundle, string? cameraId = null, bool ownsBundle = true, IReadOnlyList<JointLimits>? limits = null, ModelPolicyOptions? options = null) : IImaginingPolicy, IDisposable
{
    private const string Source = "model-policy";
    // Field initializers see the constructor parameter: the first one replaces a null with the defaults for the rest.
    private readonly ModelPolicyOptions options = options ??= new ModelPolicyOptions();
    private readonly TimeSpan period = StepPeriod(bundle);
    private readonly ChunkEnsemble? ensemble = options.EnsembleDecay is { } decay ? new ChunkEnsemble(decay, StepPeriod(bundle)) : null;
    private readonly StallDetector stall = new(StepPeriod(bundle) * bundle.ActionTokenizer.Horizon, options.StallRadians);
    private Random rng = new(options.Seed);
    private long sequence;

    public string Name => "model";

    public ModelBundle Bundle => bundle;

    public ActionChunk Infer(Observation observation)
    {
        var frame = cameraId is not null && observation.Frames.TryGetValue(cameraId, out var f) ? f : observation.Frames.Values.FirstOrDefault();
        var state = observation.State;
        var reason = frame is null ? "no frame" : !state.IsWellFormed ? "malformed state" : state.Positions.Length != bundle.Manifest.State.Dims ? "joint count mismatch" : null;
        if (reason is null)
        {
            try
            {
                var rgb = ImageOps.ToRgb(frame!, bundle.ImageSize);
                var positions = state.Positions.Select(p => (float)p).ToArray();
                var stalled = options.StallTemperature > 0 && stall.Observe(observation.Stamp, state.Positions);
                if (stalled)
                    ControllerMetrics.PolicyStalled(Name);
                var sampling = stalled ? new Sampling(options.StallTemperature, rng) : options.Temperature > 0 ? new Sampling(options.Temperature, rng) : null;
                var prediction = NoGcTick.Run(() => bundle.PredictActions(observation.Instruction, rgb, positions, sampling));
                double[][] targets = ensemble is not null ? [ensemble.AddAndBlend(observation.Stamp, prediction.Targets)]
                    : [.. prediction.Targets.Take(options.StepsPerChunk > 0 ? options.StepsPerChunk : prediction.Targets.Length).Select(ToDoubles)];
                foreach (var step in targets)
                    for (var j = 0; j < step.Length; j++)
                        step[j] = Clip(j, step[j]);
                return new ActionChunk(targets, period, observation.Stamp, Interlocked.Increment(ref sequence), CommandSource.Policy, prediction.Tokens);
            }
            catch (InvalidFrameException e)
            {
                reason = e.Message;
            }
        }
        ControllerMetrics.Reject(Source, reason);
        return new ActionChunk([], period, observation.Stamp, Interlocked.Increment(ref sequence), CommandSource.Policy, []);
    }

    private static double[] ToDoubles(float[] step) => [.. step.Select(v => (double)v)];

    private double Clip(int joint, double target) =>
        limits is null || joint >= limits.Count ? target : Math.Clamp(target, limits[joint].MinPosition, limits[joint].MaxPosition);

    public int ImagineHorizon => bundle.ActionTokenizer.Horizon;

    /// <summary>The model's expected camera image Horizon steps ahead under its own greedy plan, packed RGB, or null when it cannot tell.</summary>
    public byte[]? Imagine(Observation observation)
    {
        var frame = cameraId is not null && observation.Frames.TryGetValue(cameraId, out var f) ? f : observation.Frames.Values.FirstOrDefault();
        if (frame is null || !observation.State.IsWellFormed || observation.State.Positions.Length != bundle.Manifest.State.Dims)
            return null;
        var rgb = ImageOps.ToRgb(frame, bundle.ImageSize);
        var positions = observation.State.Positions.Select(p => (float)p).ToArray();
        return NoGcTick.Run(() => bundle.Imagine(observation.Instruction, rgb, positions));
    }

    /// <summary>Forgets the chunks held for ensembling and the positions held for stall detection, and reseeds the sampling.</summary>
    public void Reset()
    {
        ensemble?.Clear();
        stall.Clear();
        rng = new Random(options.Seed);
    }

    private static TimeSpan StepPeriod(ModelBundle bundle) => TimeSpan.FromSeconds(bundle.Manifest.StepPeriodSeconds);

    public void Dispose()
    {
        if (ownsBundle)
            bundle.Dispose();
    }
}
