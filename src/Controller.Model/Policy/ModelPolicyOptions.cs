using Controller.Abstractions;

namespace Controller.Model.Policy;

/// <summary>How <see cref="ModelPolicy"/> turns predicted chunks into commands.</summary>
/// <param name="StepsPerChunk">When &gt; 0, only the first that many steps of each chunk are returned (receding horizon:
/// the caller asks again sooner, with a fresher frame). 0 returns the whole chunk.</param>
/// <param name="EnsembleDecay">When set, every call returns one step: the temporal ensemble (<see cref="ChunkEnsemble"/>)
/// of this chunk and the earlier ones covering the same moment. Overrides <paramref name="StepsPerChunk"/>.</param>
/// <param name="StallTemperature">When &gt; 0 and the arm has not moved (<see cref="StallDetector"/>: every joint within
/// <paramref name="StallRadians"/> over one chunk's duration), the next plan is sampled at this temperature instead of
/// decoded at <paramref name="Temperature"/>, so the policy does not repeat the plan that left it standing. 0 is off. The default, 1,
/// was measured with the session-6 checkpoint: push on held-out seeds 0–99 / 1000–1099 went from 43 / 48 (greedy) to
/// 58 / 59 (0.5: 54, 2: 49 on seeds 0–99), reach from 99 to 100 (docs/model.md).</param>
/// <param name="Seed">Seeds the sampling, so an episode is reproducible.</param>
/// <param name="Temperature">When &gt; 0, every plan that does not follow a stall is sampled at this temperature too; 0 decodes
/// them greedily. The default, 0.25, was chosen on validation seeds with the session-6 checkpoint (push over 500 held-out
/// seeds: 312 successes against 272 greedy; reach the same, 387 of 400; docs/model.md).</param>
public sealed record ModelPolicyOptions(
    int StepsPerChunk = 0,
    double? EnsembleDecay = null,
    float StallTemperature = 1,
    double StallRadians = StallDetector.DefaultRadians,
    int Seed = 0,
    float Temperature = 0.25f);
