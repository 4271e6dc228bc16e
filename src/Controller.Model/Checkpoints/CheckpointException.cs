namespace Controller.Model.Checkpoints;

/// <summary>A checkpoint could not be read or does not fit the model: missing, truncated, malformed or wrong shapes.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
