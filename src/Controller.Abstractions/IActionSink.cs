namespace Controller.Abstractions;

/// <summary>
/// Receives every chunk the loop schedules and every command it sends, for emission to a bus,
/// a recorder or a console. Implementations must not block: queue and return.
/// </summary>
public interface IActionSink
{
    void OnChunk(ActionChunk chunk);

    void OnCommand(JointCommand sent, ControlMode mode);
}
