using ZeroBuffer.Extensions.Hosting.Internal;

namespace ZeroBuffer.Extensions.Hosting;

/// <summary>
/// What every hosted endpoint (reader, writer, duplex server) is configured with. Bound from the
/// endpoint's configuration section (for example <c>ZeroBuffer:Readers:cam0</c>), then from the
/// code's <c>configure</c> delegate; validated when the host starts.
/// </summary>
public abstract class ZeroBufferEndpointOptions
{
    /// <summary>
    /// The buffer (or duplex channel) name in <c>/dev/shm</c>: 1-200 characters from
    /// <c>[A-Za-z0-9._-]</c> (1-188 for a channel). Default: the name the endpoint was registered
    /// with, so configuration can point a registration at another buffer without a code change.
    /// </summary>
    public string? BufferName { get; set; }

    /// <summary>
    /// How the endpoint waits for its peer, as <see cref="ZeroBuffer.WaitStrategy.Parse"/> spells it:
    /// <c>blocking</c>, <c>spin-then-block</c> (the default), <c>spin-then-block:200us</c>, <c>busy-spin</c>.
    /// </summary>
    public string WaitStrategy { get; set; } = "spin-then-block";

    /// <summary>
    /// The ring utilisation (0 to 1) from which the endpoint's health check reports
    /// <c>Degraded</c>: the reader is falling behind. Default 0.9.
    /// </summary>
    public double DegradedUtilization { get; set; } = 0.9;

    /// <summary>Which endpoints these options configure.</summary>
    internal abstract EndpointKind Kind { get; }

    /// <summary>The longest <see cref="BufferName"/> this endpoint accepts.</summary>
    internal virtual int MaxNameLength => BufferNameRule.MaxBufferName;

    /// <summary>The buffer name in effect: <see cref="BufferName"/>, or the registration name.</summary>
    internal string EffectiveBufferName(string registrationName) => BufferName ?? registrationName;

    /// <summary>The parsed <see cref="WaitStrategy"/> (valid after validation).</summary>
    internal WaitStrategy ParseWaitStrategy() => ZeroBuffer.WaitStrategy.Parse(WaitStrategy);

    /// <summary>Adds every invalid value to <paramref name="problems"/>.</summary>
    internal virtual void Validate(string registrationName, OptionsProblems problems)
    {
        string name = EffectiveBufferName(registrationName);
        if (!BufferNameRule.IsValid(name, MaxNameLength))
        {
            problems.Add(nameof(BufferName), $"'{name}' is not a valid name: use 1-{MaxNameLength} characters from [A-Za-z0-9._-].");
        }

        try
        {
            _ = ParseWaitStrategy();
        }
        catch (ArgumentException rejected)
        {
            problems.Add(nameof(WaitStrategy), rejected);
        }

        if (!(DegradedUtilization > 0 && DegradedUtilization <= 1))
        {
            problems.Add(nameof(DegradedUtilization), $"must be greater than 0 and at most 1 (got {DegradedUtilization}).");
        }
    }
}
