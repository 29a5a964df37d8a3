namespace ZeroBuffer;

/// <summary>What cleaning one name did (<see cref="Lifecycle.BufferCatalog.Clean"/>).</summary>
public enum CleanupOutcome
{
    /// <summary>The name's resources were removed (see <see cref="CleanupResult.Removed"/>).</summary>
    Removed,

    /// <summary>Dry run: these resources would have been removed.</summary>
    WouldRemove,

    /// <summary>Refused: the buffer is live (a lock held, or its reader or writer alive). Nothing was touched.</summary>
    RefusedLive,

    /// <summary>Skipped by the stale sweep: an orphan younger than the grace period. Nothing was touched.</summary>
    SkippedRecent,

    /// <summary>Nothing of that name exists.</summary>
    NotFound,
}

/// <summary>The result of cleaning one buffer name.</summary>
/// <param name="Name">The buffer name.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="StateBefore">The state found with the locks held (null when nothing existed).</param>
/// <param name="Removed">The resources removed (or, in a dry run, that would be).</param>
/// <param name="Message">A one-line explanation for operators.</param>
public sealed record CleanupResult(string Name, CleanupOutcome Outcome, BufferState? StateBefore, BufferResources Removed, string Message);
