using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Imaging;
using Controller.Model.Tokens;
using Controller.Model.Training;
using static TorchSharp.torch;

namespace Controller.Model.Tests;

/// <summary>Tiny configs and random checkpoints so model tests stay fast.</summary>
internal static class Tiny
{
    public static WorldModelConfig Config(int vocab = 64, int block = 48) => new() { VocabSize = vocab, BlockSize = block, Layers = 2, Heads = 2, Embd = 32 };

    /// <summary>A one-block, 32-wide world model over 2-step chunks, without scene tokens, measured on 2 held-out timesteps.</summary>
    public static ModelTrainSettings ModelSettings => new() { Layers = 1, Embd = 32, Heads = 2, Horizon = 2, ObjectBins = 0, HeldOutSamples = 2 };

    public static FsqConfig Fsq => new() { ImageSize = 16, Downsample = 8, Channels = 4, Levels = [3, 3] };

    public static Normalizer Norm2 => new([-1, -1], [1, 1]);

    /// <summary><paramref name="count"/> short 16×16 moving-squares demonstrations (seeds 0…count-1).</summary>
    public static List<Episode> Episodes(int count) => [.. Enumerable.Range(0, count).Select(i => SquaresWorld.Demonstrate(i, maxSteps: 6, size: 16))];

    /// <summary>Trains a <see cref="Fsq"/> tokenizer for two steps on the episodes into a fresh <see cref="TestTemp"/> directory; returns that directory and the weights file.</summary>
    public static (string Dir, string Tokenizer) TrainedTokenizer(IReadOnlyList<Episode> episodes, string prefix)
    {
        var dir = TestTemp.NewDir(prefix);
        TokenizerTrainer.Train(episodes, Fsq, Path.Combine(dir, "tok"), new TrainOptions { Steps = 2, Batch = 2 });
        return (dir, Path.Combine(dir, "tok", TokenizerTrainer.WeightsFile));
    }

    /// <summary>Writes a randomly initialised but complete checkpoint directory (tokenizer + world model + config).</summary>
    /// <param name="objectBins">Bins per axis of the object tokens (0: a checkpoint without them).</param>
    /// <param name="sceneFirst">The object tokens come before the state (<see cref="SequenceLayout.SceneFirst"/>).</param>
    public static string CheckpointDir(string actions = "bins", int seed = 1, int objectBins = 0, bool sceneFirst = false)
    {
        var dir = TestTemp.NewDir("checkpoint-");
        Directory.CreateDirectory(dir);
        manual_seed(seed);
        var fsqConfig = Fsq;
        using (var fsq = new FsqImageTokenizer(fsqConfig))
            TokenizerTrainer.SaveCheckpoint(fsq, Path.Combine(dir, TokenizerTrainer.WeightsFile), 0, seed);
        var act = actions == "bins"
            ? new ActionTokenizerConfig("bins", 2, Norm2, Bins: 16, VocabSize: 16)
            : new ActionTokenizerConfig("fast", 2, Norm2, Scale: 4, Range: 6, Merges: [[6, 6], [16, 6]], VocabSize: 15);
        var vocab = new Vocabulary(fsqConfig.CodebookSize, 8, act.VocabSize, objectBins);
        var config = Config(vocab.Size, 64);
        var scene = new Normalizer([0.1f, -0.3f, 0.1f, -0.3f, 0.1f, -0.3f, 0f], [0.4f, 0.3f, 0.4f, 0.3f, 0.4f, 0.3f, 0.15f]);   // object x, y, goal x, y, tip x, y, z
        var manifest = new ModelManifest(fsqConfig, config, act, Norm2, 8, 4, 0.05, seed, 0, "tiny", ActionFrame.Delta,
            objectBins, objectBins > 0 ? scene : null, sceneFirst);
        using var model = new WorldModel(config);
        ModelTrainer.SaveCheckpoint(model, manifest, dir);
        return dir;
    }

    public static byte[] Image(int size, int seed)
    {
        var rng = new Random(seed);
        var img = new byte[size * size * 3];
        rng.NextBytes(img);
        return img;
    }
}
