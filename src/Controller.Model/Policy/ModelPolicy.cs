using Controller.Model.Runtime;
using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Model.Imaging;

namespace Controller.Model.Policy;

/// <summary>
/// The world model as an <see cref="IPolicy"/>: the newest frame (of <c>cameraId</c>, or the first camera), the joint
/// positions and the instruction go in; a chunk of absolute joint targets comes out, with the action tokens that
/// produced it. One DisposeScope per <see cref="Infer"/> (inside <see cref="ModelBundle"/>); no tensors leave.
/// Bad input is rejected with a metric and answered with an empty chunk (nothing to send: the robot holds).
/// Thread-safe (the bundle serialises calls). Blocking: takes a few ms of CPU per call.
/// </summary>
/// <remarks>With <c>limits</c> (the robot profile's joints) targets are clipped into each joint's position range, as
/// the model knows nothing of limits; the safety layer downstream still applies its own checks. With
/// <c>stepsPerChunk</c> &gt; 0 only the first that many steps of each chunk are returned (receding horizon: the caller
/// asks again sooner, with a fresher frame).</remarks>
public sealed class ModelPolicy(ModelBundle bundle, string? cameraId = null, bool ownsBundle = true, IReadOnlyList<JointLimits>? limits = null, int stepsPerChunk = 0) : IPolicy, IDisposable
{
    private const string Source = "model-policy";
    private long sequence;

    public string Name => "model";

    public ModelBundle Bundle => bundle;

    public ActionChunk Infer(Observation observation)
    {
        var period = TimeSpan.FromSeconds(bundle.Manifest.StepPeriodSeconds);
        var frame = cameraId is not null && observation.Frames.TryGetValue(cameraId, out var f) ? f : observation.Frames.Values.FirstOrDefault();
        var state = observation.State;
        var reason = frame is null ? "no frame" : !state.IsWellFormed ? "malformed state" : state.Positions.Length != bundle.Manifest.State.Dims ? "joint count mismatch" : null;
        if (reason is null)
        {
            try
            {
                var rgb = ImageOps.ToRgb(frame!, bundle.ImageSize);
                var positions = state.Positions.Select(p => (float)p).ToArray();
                var prediction = NoGcTick.Run(() => bundle.PredictActions(observation.Instruction, rgb, positions));
                var steps = stepsPerChunk > 0 ? prediction.Targets.Take(stepsPerChunk) : prediction.Targets;
                var targets = steps.Select(step => step.Select((v, j) => Clip(j, v)).ToArray()).ToArray();
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

    private double Clip(int joint, double target) =>
        limits is null || joint >= limits.Count ? target : Math.Clamp(target, limits[joint].MinPosition, limits[joint].MaxPosition);

    /// <summary>The model's guess of the camera image Horizon steps ahead, packed RGB, or null when it cannot tell.</summary>
    public byte[]? Imagine(Observation observation)
    {
        var frame = cameraId is not null && observation.Frames.TryGetValue(cameraId, out var f) ? f : observation.Frames.Values.FirstOrDefault();
        if (frame is null || !observation.State.IsWellFormed || observation.State.Positions.Length != bundle.Manifest.State.Dims)
            return null;
        var rgb = ImageOps.ToRgb(frame, bundle.ImageSize);
        var positions = observation.State.Positions.Select(p => (float)p).ToArray();
        return NoGcTick.Run(() => bundle.Imagine(observation.Instruction, rgb, positions));
    }

    /// <summary>Nothing to forget: each call builds its context from the observation alone.</summary>
    public void Reset()
    {
    }

    public void Dispose()
    {
        if (ownsBundle)
            bundle.Dispose();
    }
}
