namespace Controller.Transports.Rosbridge;

/// <summary>
/// A typed ROS message (or service request/response, or action goal/feedback/result) that converts
/// to and from the wire-neutral <see cref="RosMap"/>. <see cref="FromRos"/> accepts both ROS 1 and
/// ROS 2 spellings and throws <see cref="RosbridgeProtocolException"/> on wrong field types.
/// </summary>
public interface IRosMessage<TSelf> where TSelf : IRosMessage<TSelf>
{
    /// <summary>The interface this message belongs to (for requests and responses: the service type).</summary>
    static abstract RosTypeName RosType { get; }

    static abstract TSelf FromRos(RosMap map);

    RosMap ToRos(RosDialect dialect);
}
