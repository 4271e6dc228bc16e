namespace Controller.Abstractions;

/// <summary>A robot profile that cannot be used. The message names the file and the offending field.</summary>
public sealed class ProfileException(string message, Exception? inner = null) : Exception(message, inner);
