// Tests here seed TorchSharp's process-wide generator (torch.manual_seed) and then build modules from it. xUnit runs
// test classes in parallel, so another class drawing from the same generator in between changed a "same seed"
// model: the resumed-versus-uninterrupted training test failed once in a full run for that reason. The whole
// project runs in about 3 s, so it runs one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
