using System.CommandLine;
using System.Text.Json;
using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Imaging;
using Controller.Model.Policy;
using Controller.Model.Tokens;
using Controller.Model.Training;
using Controller.Sim;
using Controller.Sim.Dataset;
using Controller.Sim.Policies;
using Spectre.Console;

namespace Controller.Cli.Commands;

/// <summary>
/// `controller train tokenizer|model|renderer|synthetic`: trains the FSQ image tokenizer, the world model or the imagination renderer from demonstrations
/// (seeded, resumable, safetensors checkpoints, loss CSV + PNG), or writes synthetic demonstrations for development.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var cmd = new Command("train", "Train the image tokenizer or the world model from demonstrations (see docs/model.md).");
        cmd.Subcommands.Add(Tokenizer());
        cmd.Subcommands.Add(ModelVerb());
        cmd.Subcommands.Add(Renderer());
        cmd.Subcommands.Add(Synthetic());
        cmd.Subcommands.Add(Preview());
        cmd.Subcommands.Add(Report());
        return cmd;
    }

    private static Command Report()
    {
        var data = Data();
        var model = new Option<string>("--model") { Description = "Model directory to measure (default: models/default)" };
        var samples = new Option<int>("--samples") { Description = "Timesteps drawn for the action and scene errors, and again (among those whose frame H steps ahead exists) for imagination", DefaultValueFactory = _ => 200 };
        samples.Validators.Add(r => { if (r.GetValueOrDefault<int>() <= 0) r.AddError("--samples must be positive"); });
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file" };
        var gallery = new Option<string?>("--gallery") { Description = "PNG of imagined samples (rows: frame t, true frame t+H, imagined); default: next to --json as <name>_samples.png, none without --json" };
        var cmd = new Command("report", "Measure a trained model on demonstrations it never saw, every episode held out (e.g. `sim collect --seed 0`, the eval seeds): action and scene error, imagination PSNR H steps ahead against copy-last.")
        { data, model, samples, json, gallery };
        cmd.SetAction((ParseResult p, CancellationToken ct) => CliErrors.RunAsync(async () =>
        {
            var dir = p.GetValue(model) ?? FindDefaultModel();
            var config = Path.Combine(dir, "config.json");
            if (!File.Exists(config))
                throw new CheckpointException($"'{dir}' is not a model directory (no config.json)");
            var horizon = ModelManifest.FromJson(File.ReadAllText(config), config).Actions.Horizon;
            var episodes = LoadEpisodes(p.GetValue(data)!, waypointLead: horizon);
            var jsonPath = p.GetValue(json);
            var png = p.GetValue(gallery) ?? (jsonPath is null ? null : Path.ChangeExtension(jsonPath, null) + "_samples.png");
            foreach (var file in new[] { jsonPath, png }.OfType<string>())
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            var report = await Task.Run(() => ModelTrainer.Evaluate(dir, episodes, p.GetValue(samples), png), ct);
            if (jsonPath is not null)
                File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, ModelManifest.Json));
            AnsiConsole.MarkupLine($"[green]report[/] {Markup.Escape(dir)} on {episodes.Count} episodes: {HeldOut(report, horizon)}");
            if (png is not null)
                AnsiConsole.MarkupLine($"imagined samples: {Markup.Escape(png)}");
            return 0;
        }));
        return cmd;
    }

    private static Command Preview()
    {
        var data = Data();
        var tokenizer = new Option<string>("--tokenizer") { Description = "image_tokenizer.safetensors", Required = true };
        var output = new Option<string>("--out") { Description = "PNG to write (frames on top, reconstructions below)", DefaultValueFactory = _ => "tokenizer_preview.png" };
        var cmd = new Command("preview", "Reconstruct a few frames through an image tokenizer checkpoint and report PSNR.") { data, tokenizer, output };
        cmd.SetAction((ParseResult p, CancellationToken ct) =>
        {
            var episodes = LoadEpisodes(p.GetValue(data)!);
            var frames = episodes.Where((_, i) => i % 10 == 9).SelectMany(e => e.Frames).ToList();
            frames = frames.Where((_, i) => i % Math.Max(1, frames.Count / 8) == 0).Take(8).ToList();
            using var model = TokenizerTrainer.Load(p.GetValue(tokenizer)!);
            TokenizerTrainer.WriteSamples(model, frames, model.Config.ImageSize, p.GetValue(output)!);
            AnsiConsole.MarkupLine($"PSNR {TokenizerTrainer.HeldOutPsnr(model, frames, model.Config.ImageSize):F2} dB on {frames.Count} held-out frames → {Markup.Escape(p.GetValue(output)!)}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Option<string> Data() => new("--data") { Description = "Directory of demonstrations (`controller sim collect` output or episode_*.safetensors)", Required = true };
    private static Option<string> Out() => new("--out") { Description = "Output directory for checkpoints, loss.csv/png and report", Required = true };
    private static Option<int> Steps(int d) => new("--steps") { Description = "Optimiser steps in total", DefaultValueFactory = _ => d };
    private static Option<int> BatchOpt(int d) => new("--batch") { Description = "Batch size", DefaultValueFactory = _ => d };
    private static Option<double> Lr(double d) => new("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => d };
    private static Option<int> Seed() => new("--seed") { Description = "Random seed (init and batch order)", DefaultValueFactory = _ => 1 };
    private static Option<bool> Resume() => new("--resume") { Description = "Continue from the checkpoint in --out" };
    private static Option<int> Every() => new("--checkpoint-every") { Description = "Steps between checkpoints (and loss CSV/PNG refresh)", DefaultValueFactory = _ => 50 };
    private static Option<int> Threads() => new("--threads") { Description = "Torch threads (the machine is shared: keep ≤ 2)", DefaultValueFactory = _ => 2 };

    private static Command Tokenizer()
    {
        Option<string> data = Data(), output = Out();
        Option<int> steps = Steps(1500), batch = BatchOpt(32), seed = Seed(), threads = Threads(), every = Every();
        var lr = Lr(2e-3);
        var resume = Resume();
        var channels = new Option<int>("--channels") { Description = "Width of the first conv layer (--kind conv)", DefaultValueFactory = _ => 32 };
        var hidden = new Option<int>("--hidden") { Description = "Width of the per-patch layers (--kind patch)", DefaultValueFactory = _ => new FsqConfig().Hidden };
        var kind = new Option<string>("--kind") { Description = "patch (per-patch encoder, decoder with neighbour context) or conv (deep conv encoder/decoder)", DefaultValueFactory = _ => "patch" };
        kind.AcceptOnlyFromAmong("patch", "conv");
        var cmd = new Command("tokenizer", "Train the FSQ image tokenizer (64×64 RGB → 8×8 codes of 1225) and report held-out PSNR.")
        { data, output, steps, batch, lr, seed, resume, threads, channels, hidden, kind, every };
        cmd.SetAction((ParseResult p, CancellationToken ct) => CliErrors.RunAsync(async () =>
        {
            var episodes = LoadEpisodes(p.GetValue(data)!);
            var o = new TrainOptions { Steps = p.GetValue(steps), Batch = p.GetValue(batch), LearningRate = p.GetValue(lr), Seed = p.GetValue(seed), Resume = p.GetValue(resume), Threads = p.GetValue(threads), CheckpointEvery = p.GetValue(every) };
            var config = new FsqConfig { Channels = p.GetValue(channels), Hidden = p.GetValue(hidden), Kind = p.GetValue(kind)! };
            var report = await WithProgress("tokenizer", o.Steps, (prog, st) => TokenizerTrainer.Train(episodes, config, p.GetValue(output)!, o, prog, ct));
            AnsiConsole.MarkupLine($"[green]tokenizer[/] step {report.Step}, loss {report.TrainLoss:F5}, held-out PSNR [bold]{report.HeldOutPsnr:F2} dB[/] on {report.HeldOutFrames} frames, {report.Seconds:F0} s");
            return 0;
        }));
        return cmd;
    }

    private static Command Renderer()
    {
        Option<string> data = Data();
        var output = new Option<string>("--out") { Description = "Model directory to add frame_renderer.safetensors to (imagination then uses it), with its loss CSV/PNG and report", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "image_tokenizer.safetensors whose codes it draws (default: the one in --out)" };
        Option<int> steps = Steps(1600), batch = BatchOpt(32), seed = Seed(), threads = Threads(), every = Every();
        var lr = Lr(2e-3);
        var resume = Resume();
        var horizon = new Option<int>("--horizon") { Description = "Steps between the current frame and the drawn one (the world model's chunk horizon)", DefaultValueFactory = _ => 8 };
        var imagined = new Option<int>("--imagined") { Description = "Train on this many pairs whose codes the world model in --out imagines (its mistakes included) instead of the frames' own codes (the shipped renderer: 4000 pairs, 3200 steps); 0: own codes, no world model needed", DefaultValueFactory = _ => 2000 };
        imagined.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--imagined must be 0 (own codes) or a number of pairs"); });
        var cmd = new Command("renderer", "Train the imagination renderer: draws frame t+H from its codes and frame t (tokenizer frozen); reports held-out PSNR against the skip-block rendering.")
        { data, output, tokenizer, steps, batch, lr, seed, resume, threads, horizon, every, imagined };
        cmd.SetAction((ParseResult p, CancellationToken ct) => CliErrors.RunAsync(async () =>
        {
            var dir = p.GetValue(output)!;
            var tok = p.GetValue(tokenizer) ?? Path.Combine(dir, TokenizerTrainer.WeightsFile);
            if (!File.Exists(tok))
                throw new CheckpointException($"image tokenizer '{tok}' not found (pass --tokenizer, or --out a model directory)");
            var episodes = LoadEpisodes(p.GetValue(data)!);
            var o = new TrainOptions { Steps = p.GetValue(steps), Batch = p.GetValue(batch), LearningRate = p.GetValue(lr), Seed = p.GetValue(seed), Resume = p.GetValue(resume), Threads = p.GetValue(threads), CheckpointEvery = p.GetValue(every) };
            List<RenderPair>? pairs = null;
            if (p.GetValue(imagined) > 0)
            {
                using var bundle = ModelBundle.Load(dir, threads: p.GetValue(threads), warmUpTicks: 0);
                pairs = await WithProgress("imagining", p.GetValue(imagined), (prog, st) => RendererTrainer.Imagined(bundle, episodes, p.GetValue(imagined), o.Seed, prog, ct));
            }
            var report = await WithProgress("renderer", o.Steps, (prog, st) => RendererTrainer.Train(episodes, tok, dir, o, p.GetValue(horizon), imagined: pairs, progress: prog, ct: ct));
            AnsiConsole.MarkupLine($"[green]renderer[/] step {report.Step}, loss {report.TrainLoss:F5}; frame t+H from its own codes: skip-block {report.SkipBlockPsnr:F2} dB, renderer [bold]{report.RendererPsnr:F2} dB[/], copy-last {report.CopyLastPsnr:F2} dB ({report.HeldOutPairs} held-out pairs), {report.Seconds:F0} s");
            return 0;
        }));
        return cmd;
    }

    private static Command ModelVerb()
    {
        Option<string> data = Data(), output = Out();
        var tokenizer = new Option<string>("--tokenizer") { Description = "image_tokenizer.safetensors to use (default with --init-from: that directory's)" };
        var initFrom = new Option<string>("--init-from") { Description = "Fine-tune: start from the world model in this directory with a fresh optimiser and schedule. Its architecture, vocabulary, normalisers, action tokenizer and layout are kept (--layers, --embd, --scene-first and the other shape options are ignored); --actions, --horizon and --action-frame must match it" };
        Option<int> steps = Steps(1500), batch = BatchOpt(16), seed = Seed(), threads = Threads(), every = Every();
        var lr = Lr(1e-3);
        var resume = Resume();
        var actions = new Option<string>("--actions") { Description = "Action tokenizer: bins (256 per joint) or fast (DCT + BPE)", DefaultValueFactory = _ => new ModelTrainSettings().ActionTokenizer };
        actions.AcceptOnlyFromAmong("bins", "fast");
        var layers = new Option<int>("--layers") { Description = "Transformer blocks", DefaultValueFactory = _ => 4 };
        var embd = new Option<int>("--embd") { Description = "Residual width", DefaultValueFactory = _ => 128 };
        var horizon = new Option<int>("--horizon") { Description = "Actions per chunk (and imagination look-ahead)", DefaultValueFactory = _ => 8 };
        var period = new Option<double>("--step-period") { Description = "Seconds between actions in the demonstrations", DefaultValueFactory = _ => 0.05 };
        var actionWeight = new Option<float>("--action-weight") { Description = "Loss weight of action tokens", DefaultValueFactory = _ => new ModelTrainSettings().ActionLossWeight };
        var frameWeight = new Option<float>("--frame-weight") { Description = "Loss weight of the next frame's tokens (imagination)", DefaultValueFactory = _ => new ModelTrainSettings().FrameLossWeight };
        var frameAhead = new Option<bool>("--frame-only-ahead") { Description = "No frame loss where frame t+H is past the episode's end (the target would be its last frame, fewer than H steps ahead)" };
        var frame = new Option<ActionFrame>("--action-frame") { Description = "What action tokens stand for: Absolute joint targets or Delta from the joint positions", DefaultValueFactory = _ => new ModelTrainSettings().ActionFrame };
        var objectBins = new Option<int>("--object-bins") { Description = "Bins per axis for the object tokens (where the instruction's object is, predicted before the actions); 0 trains without them", DefaultValueFactory = _ => new ModelTrainSettings().ObjectBins };
        var objectWeight = new Option<float>("--object-weight") { Description = "Loss weight of the object tokens", DefaultValueFactory = _ => new ModelTrainSettings().ObjectLossWeight };
        var sceneFirst = new Option<bool>("--scene-first") { Description = "Scene tokens (object, goal, waypoint) before the state tokens, so the model reads where things are from the text and frame only, not from the joint positions" };
        var positions = new Option<bool>("--absolute-positions") { Description = "Learned position embeddings on top of RoPE (the instruction is padded to 32 bytes so each position means one thing)", DefaultValueFactory = _ => new ModelTrainSettings().AbsolutePositions };
        var pixels = new Option<bool>("--code-pixels") { Description = "Image codes also embed the pixels of the patch they decode to (colour, where in the patch)", DefaultValueFactory = _ => new ModelTrainSettings().CodePixels };
        var ngrams = new Option<int>("--text-ngrams") { Description = "Hash buckets of the byte bigram and trigram embeddings added to the instruction's bytes (whole words at one position); 0 trains without them", DefaultValueFactory = _ => new ModelTrainSettings().TextNgramBuckets };
        var waypoint = new Option<bool>("--waypoint") { Description = "Scene tokens also hold the tip's x, y, z at the chunk's end (sim-arm datasets): the policy says in table coordinates where it goes before it writes joint targets", DefaultValueFactory = _ => true };
        var ema = new Option<double>("--ema") { Description = "Save a moving average of the weights with this decay per step (e.g. 0.999) instead of the last step's; the training weights go to world_model_train.safetensors for --resume. 0: off", DefaultValueFactory = _ => 0 };
        ema.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 0 or >= 1) r.AddError("--ema must be 0 (off) or a decay in (0, 1)"); });
        var heldOut = new Option<int>("--held-out-samples") { Description = "Held-out timesteps measured after training (action error, imagination PSNR)", DefaultValueFactory = _ => 200 };
        var cmd = new Command("model", "Train the world model (policy + next-frame prediction) on tokenized demonstrations. With --resume and --steps at the checkpoint's step it only re-measures.")
        { data, output, tokenizer, initFrom, steps, batch, lr, seed, resume, threads, actions, frame, layers, embd, horizon, period, actionWeight, frameWeight, frameAhead, objectBins, objectWeight, sceneFirst, positions, pixels, ngrams, waypoint, heldOut, every, ema };
        cmd.SetAction((ParseResult p, CancellationToken ct) => CliErrors.RunAsync(async () =>
        {
            var init = p.GetValue(initFrom);
            var tokenizerPath = p.GetValue(tokenizer) ?? (init is null ? null : Path.Combine(init, TokenizerTrainer.WeightsFile))
                ?? throw new ArgumentException("--tokenizer is required (or --init-from a model directory, whose tokenizer is then used)");
            var episodes = LoadEpisodes(p.GetValue(data)!, waypointLead: p.GetValue(waypoint) ? p.GetValue(horizon) : 0);
            var o = new TrainOptions { Steps = p.GetValue(steps), Batch = p.GetValue(batch), LearningRate = p.GetValue(lr), Seed = p.GetValue(seed), Resume = p.GetValue(resume), Threads = p.GetValue(threads), CheckpointEvery = p.GetValue(every), WeightAverage = p.GetValue(ema), InitFrom = init };
            var s = new ModelTrainSettings { ActionTokenizer = p.GetValue(actions)!, Layers = p.GetValue(layers), Embd = p.GetValue(embd), Horizon = p.GetValue(horizon), StepPeriodSeconds = p.GetValue(period), ActionFrame = p.GetValue(frame), ActionLossWeight = p.GetValue(actionWeight), FrameLossWeight = p.GetValue(frameWeight), FrameOnlyAhead = p.GetValue(frameAhead), ObjectBins = p.GetValue(objectBins), ObjectLossWeight = p.GetValue(objectWeight), AbsolutePositions = p.GetValue(positions), SceneFirst = p.GetValue(sceneFirst), CodePixels = p.GetValue(pixels), TextNgramBuckets = p.GetValue(ngrams), HeldOutSamples = p.GetValue(heldOut) };
            var report = await WithProgress("world model", o.Steps, (prog, status) => ModelTrainer.Train(episodes, tokenizerPath, s, p.GetValue(output)!, o, prog, status, ct));
            AnsiConsole.WriteLine(JsonSerializer.Serialize(report, ModelManifest.Json));
            AnsiConsole.MarkupLine($"[green]model[/] step {report.Step}, loss {report.TrainLoss:F4}, {report.TokensPerSecond:F0} tokens/s; {HeldOut(report, p.GetValue(horizon))}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>The held-out half of a model report as one markup line: imagination against copy-last, action and scene errors.</summary>
    private static string HeldOut(ModelReport r, int horizon) =>
        $"imagined PSNR {r.ImaginedPsnr:F2} dB (greedy codes {r.ImaginedGreedyPsnr:F2}, decoder only {r.ImaginedDecoderOnlyPsnr:F2}) vs copy-last {r.CopyLastPsnr:F2} dB, " +
        $"[bold]gain {r.ImaginedPsnr - r.CopyLastPsnr:F2} ± {r.ImaginedGainMargin95:F2} dB[/] over {r.ImaginationSamples} frames {horizon} steps ahead; " +
        $"action MAE {r.HeldOutActionMae:F4} rad; object / goal / waypoint error {r.HeldOutObjectError * 100:F1} / {r.HeldOutGoalError * 100:F1} / {r.HeldOutWaypointError * 100:F1} cm";

    private static Command Synthetic()
    {
        var output = Out();
        var episodes = new Option<int>("--episodes") { Description = "Demonstrations to write", DefaultValueFactory = _ => 200 };
        var seed = Seed();
        var cmd = new Command("synthetic", "Write moving-squares demonstrations (episode_*.safetensors) for development without the simulator.") { output, episodes, seed };
        cmd.SetAction((ParseResult p, CancellationToken ct) =>
        {
            var n = p.GetValue(episodes);
            var list = Enumerable.Range(0, n).Select(i => SquaresWorld.Demonstrate(p.GetValue(seed) * 100_000 + i)).ToList();
            EpisodeStore.Save(p.GetValue(output)!, list);
            AnsiConsole.MarkupLine($"wrote {n} episodes ({list.Sum(e => e.Steps)} steps) to {Markup.Escape(p.GetValue(output)!)}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>
    /// Reads demonstrations: a `controller sim collect` dataset (meta/info.json; successful episodes, one camera) or
    /// episode_*.safetensors files. Frames must be square; a clear error when there are none.
    /// With <paramref name="waypointLead"/> &gt; 0 a sim-arm dataset's scene targets also hold the tip's waypoint: where the
    /// demonstration's target <paramref name="waypointLead"/> − 1 steps on puts the tip (<see cref="ArmKinematics.Forward"/>).
    /// </summary>
    public static List<Episode> LoadEpisodes(string dir, string camera = DefaultCamera, int waypointLead = 0)
    {
        if (EpisodeStore.Recognises(dir))
            return EpisodeStore.LoadAll(dir);
        if (!File.Exists(Path.Combine(dir, "meta", "info.json")))
            throw new InvalidDataException($"'{dir}' holds no demonstrations I can read (expected a `controller sim collect` dataset or episode_*.safetensors)");
        var reader = DatasetReader.Open(dir);
        if (!reader.Cameras.Contains(camera))
            throw new InvalidDataException($"dataset '{dir}' has no camera '{camera}' (has: {string.Join(", ", reader.Cameras)})");
        var list = new List<Episode>();
        var waypoints = waypointLead > 0 && reader.Info.RobotType == SimArm;
        foreach (var d in reader.LoadAll(successfulOnly: true))
        {
            if (d.Width != d.Height)
                throw new InvalidDataException($"episode {d.Info.EpisodeIndex}: frames are {d.Width}×{d.Height}; the tokenizer needs square frames");
            list.Add(new Episode(d.Info.Task, d.Instruction, d.Width, d.Frames[camera],
                [.. d.States.Select(r => r.Select(v => (float)v).ToArray())], [.. d.Actions.Select(r => r.Select(v => (float)v).ToArray())],
                d.Info.Success, (int)(d.Info.Seed % int.MaxValue),
                d.Environment?.Select((environment, t) => SceneTargets(environment, waypoints ? d.Actions[Math.Min(t + waypointLead - 1, d.Length - 1)] : null)).ToArray()));
        }
        // Trainers hold out every 10th episode, so each task contributes to the held-out set.
        return list;
    }

    /// <summary>
    /// observation.environment_state (object xyz, goal xyz) → the scene tokens' targets: object x, y, goal x, y; then,
    /// given the joint target at the chunk's end, the tip's x, y, z there.
    /// </summary>
    private static float[] SceneTargets(double[] environment, double[]? chunkEnd)
    {
        float[] scene = [(float)environment[0], (float)environment[1], (float)environment[3], (float)environment[4]];
        if (chunkEnd is null)
            return scene;
        var tip = ArmKinematics.Forward(chunkEnd);
        return [.. scene, (float)tip.X, (float)tip.Y, (float)tip.Z];
    }

    /// <summary>The robot whose kinematics the waypoint targets use.</summary>
    private const string SimArm = "sim-arm";

    public const string DefaultCamera = "overhead";

    /// <summary>
    /// How many steps of each predicted chunk run before the model looks again, by the checkpoint's action tokens.
    /// Bins: the whole chunk; re-planning sooner scored lower (reach, seeds 0–99: 8 steps 92 %, 4 steps 89 %,
    /// 2 steps 87 %, 1 step 84 %). FAST: 4 of 8; three FAST runs scored 213–224 of 300 validation pushes with 4 steps
    /// and 189–210 with the whole chunk (docs/model.md, session 12).
    /// </summary>
    public static int DefaultStepsPerChunk(ActionTokenizerConfig actions) => actions.Kind == "fast" ? actions.Horizon / 2 : actions.Horizon;

    private static readonly Lock BundleGate = new();
    private static readonly Dictionary<string, ModelBundle> Bundles = [];

    /// <summary>
    /// Registers `model` with the sim's policy factory. Options: checkpoint=DIR (default models/default), camera=NAME,
    /// steps=N (execute the first N steps of each predicted chunk, then re-plan; default: half the chunk for FAST
    /// action tokens, the whole chunk for bins; see <see cref="DefaultStepsPerChunk"/>),
    /// ensemble=DECAY (ask every tick and execute the temporal ensemble of the overlapping chunks; a chunk predicted
    /// a ticks ago weighs exp(-DECAY·a); overrides steps), stall-temperature=T (when the arm has not moved over a
    /// chunk's duration, sample the next plan at temperature T instead of repeating the greedy one; default 1, 0 is
    /// always greedy), stall-radians=R (what "has not moved" means: every joint within R; default 0.005), temperature=T
    /// (sample every other plan at T too; default 0.25, 0 is greedy).
    /// The loaded checkpoint is shared by every episode of the process.
    /// </summary>
    public static void RegisterModelPolicy() => PolicyFactory.Register("model", "the world model (tokenized frame + state + instruction → action chunk)", ctx =>
    {
        var dir = Path.GetFullPath(ctx.Options?.GetValueOrDefault("checkpoint") ?? FindDefaultModel());
        ModelBundle bundle;
        lock (BundleGate)
        {
            if (!Bundles.TryGetValue(dir, out bundle!))
                Bundles[dir] = bundle = ModelBundle.Load(dir);
        }
        var defaults = new ModelPolicyOptions();
        var steps = PolicyNumber(ctx, "steps", v => v >= 1 && v == Math.Floor(v), "a positive whole number");
        var ensemble = PolicyNumber(ctx, "ensemble", _ => true, "a number (the decay per tick of age)");
        var stallTemperature = PolicyNumber(ctx, "stall-temperature", v => v >= 0, "a number ≥ 0 (0: off)");
        var stallRadians = PolicyNumber(ctx, "stall-radians", v => v > 0, "a positive number");
        var temperature = PolicyNumber(ctx, "temperature", v => v >= 0, "a number ≥ 0 (0: greedy)");
        var options = new ModelPolicyOptions((int?)steps ?? DefaultStepsPerChunk(bundle.Manifest.Actions), ensemble, (float?)stallTemperature ?? defaults.StallTemperature,
            stallRadians ?? defaults.StallRadians, (int)(ctx.Seed % int.MaxValue), (float?)temperature ?? defaults.Temperature);
        return new ModelPolicy(bundle, ctx.Options?.GetValueOrDefault("camera") ?? DefaultCamera, ownsBundle: false, limits: ctx.Env.Profile.Joints, options);
    }, needsFrames: true);

    /// <summary>The policy option <paramref name="key"/> as a finite number, null when absent; a clear error when it is not <paramref name="expected"/>.</summary>
    private static double? PolicyNumber(PolicyContext ctx, string key, Func<double, bool> valid, string expected) =>
        ctx.Options?.GetValueOrDefault(key) is not { } text ? null
        : double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && valid(v) ? v
        : throw new ArgumentException($"policy option {key}={text}: expected {expected}");

    /// <summary>models/default of the repository (searched upwards from the working and app directories).</summary>
    public static string FindDefaultModel()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "models", "default");
                if (File.Exists(Path.Combine(candidate, ModelTrainer.WeightsFile)))
                    return candidate;
            }
        return Path.Combine("models", "default");
    }

    /// <summary>" loss X" for progress that has a loss (imagining pairs has none).</summary>
    private static string Loss(TrainProgress p) => double.IsNaN(p.Loss) ? "" : $" loss {p.Loss:F4}";

    /// <summary>Runs blocking training on a worker thread with a Spectre progress bar (plain lines when not a terminal).</summary>
    private static async Task<T> WithProgress<T>(string label, int total, Func<IProgress<TrainProgress>, Action<string>, T> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var lastPrint = DateTime.MinValue;
            var plain = new Inline<TrainProgress>(p =>
            {
                if (p.Step == p.Total || DateTime.UtcNow - lastPrint > TimeSpan.FromSeconds(15))
                {
                    lastPrint = DateTime.UtcNow;
                    Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {label} step {p.Step}/{p.Total}{Loss(p)} {p.ItemsPerSecond:F0} {p.Unit}");
                }
            });
            return await Task.Run(() => run(plain, s => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {s}")));
        }
        T result = default!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                var prog = new Inline<TrainProgress>(p =>
                {
                    task.Value = p.Step;
                    task.Description = $"{label}{Loss(p)} {p.ItemsPerSecond:F0} {p.Unit}";
                });
                result = await Task.Run(() => run(prog, s => task.Description = $"{label}: {Markup.Escape(s)}"));
            });
        return result;
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
