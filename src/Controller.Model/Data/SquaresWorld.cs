namespace Controller.Model.Data;

/// <summary>
/// A tiny synthetic task for developing the model without the simulator: a blue "effector" square moves in the
/// unit plane (2 joints = x, y) towards commanded targets at ≤ MaxSpeed per step; the episode succeeds when it
/// covers the red target. Renders 64×64 RGB. Deterministic per seed; not thread-safe.
/// </summary>
public sealed class SquaresWorld
{
    public const float MaxSpeed = 0.05f;
    public const float SuccessRadius = 0.06f;
    public const string Instruction = "reach the red square";
    private readonly Random rng;
    private float ex, ey, tx, ty;

    public SquaresWorld(int seed, int size = 64)
    {
        rng = new Random(seed);
        Size = size;
        ex = Next(); ey = Next();
        do { tx = Next(); ty = Next(); } while (Math.Abs(tx - ex) + Math.Abs(ty - ey) < 0.3f);
    }

    public int Size { get; }
    public float[] State => [ex, ey];
    public bool Succeeded => MathF.Sqrt((tx - ex) * (tx - ex) + (ty - ey) * (ty - ey)) < SuccessRadius;

    /// <summary>Moves towards the commanded position; the response is a speed-limited first-order step.</summary>
    public void Step(float[] target)
    {
        float dx = Math.Clamp(target[0], 0, 1) - ex, dy = Math.Clamp(target[1], 0, 1) - ey;
        var n = MathF.Sqrt(dx * dx + dy * dy);
        var k = n > MaxSpeed ? MaxSpeed / n : 1;
        ex += dx * k; ey += dy * k;
    }

    /// <summary>The scripted expert: head straight for the target.</summary>
    public float[] Expert() => [tx, ty];

    public byte[] Render()
    {
        var img = new byte[Size * Size * 3];
        for (var i = 0; i < Size * Size; i++) { img[3 * i] = 40; img[3 * i + 1] = 44; img[3 * i + 2] = 52; }
        Square(img, tx, ty, 5, 220, 40, 40);
        Square(img, ex, ey, 4, 60, 110, 240);
        return img;
    }

    /// <summary>Runs the expert for up to <paramref name="maxSteps"/> and records a demonstration.</summary>
    public static Episode Demonstrate(int seed, int maxSteps = 40, int size = 64)
    {
        var w = new SquaresWorld(seed, size);
        var frames = new List<byte[]>(); var states = new List<float[]>(); var actions = new List<float[]>(); var objects = new List<float[]>();
        for (var t = 0; t < maxSteps; t++)
        {
            frames.Add(w.Render()); states.Add(w.State); objects.Add([w.tx, w.ty]);
            // A little noise on the commands widens the state distribution the model sees.
            var a = w.Expert();
            a = [a[0] + (float)(w.rng.NextDouble() - 0.5) * 0.04f, a[1] + (float)(w.rng.NextDouble() - 0.5) * 0.04f];
            actions.Add(a);
            w.Step(a);
        }
        return new Episode("squares", Instruction, size, [.. frames], [.. states], [.. actions], w.Succeeded, seed, [.. objects]);
    }

    private float Next() => 0.1f + 0.8f * (float)rng.NextDouble();

    private void Square(byte[] img, float cx, float cy, int half, byte r, byte g, byte b)
    {
        int px = (int)(cx * (Size - 1)), py = (int)(cy * (Size - 1));
        for (var y = Math.Max(0, py - half); y <= Math.Min(Size - 1, py + half); y++)
            for (var x = Math.Max(0, px - half); x <= Math.Min(Size - 1, px + half); x++)
            {
                var i = 3 * (y * Size + x);
                img[i] = r; img[i + 1] = g; img[i + 2] = b;
            }
    }
}
