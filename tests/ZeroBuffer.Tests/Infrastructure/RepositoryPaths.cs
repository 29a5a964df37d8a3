namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>Where the repository and the build outputs of its other projects are, seen from the test assembly.</summary>
internal static class RepositoryPaths
{
    /// <summary>The directory holding ZeroBuffer.slnx.</summary>
    internal static string Root { get; } = FindRoot();

    /// <summary>The configuration the tests were built in (Release or Debug): the other projects' outputs are in the same one.</summary>
    internal static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/CONFIGURATION/net10.0

    private static string FindRoot()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ZeroBuffer.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException($"ZeroBuffer.slnx not found above {AppContext.BaseDirectory}");
    }
}
