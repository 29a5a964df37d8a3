namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// Tests that run <c>clean --stale --grace-ms 0</c> (which removes every orphan, whatever its age,
/// another test's just-planted one included) and tests that plant a young orphan and check it is
/// left alone: they share this collection, so they never run at the same time. Other tests'
/// sweeps keep the 5 s grace period and cannot touch a young orphan.
/// </summary>
[CollectionDefinition(nameof(OrphanSweeps))]
public sealed class OrphanSweeps;
