using ZeroBuffer.Interop;

namespace ZeroBuffer.Primitives;

/// <summary>Builds the error for a buffer file this process may not open (EACCES), naming its owner and mode.</summary>
internal static unsafe class AccessDenied
{
    /// <summary>The error for <paramref name="path"/>, a file of buffer <paramref name="bufferName"/>.</summary>
    internal static BufferAccessDeniedException For(string bufferName, string path)
    {
        (uint? uid, uint? mode) = FileStatus.OwnerAndMode(path);
        string owner = uid is null ? "another user" : $"uid {uid}";
        string permissions = mode is null ? "a mode that excludes it" : $"mode {FileModes.Octal(mode.Value)}";
        return new BufferAccessDeniedException(bufferName, path, uid, mode,
            $"Buffer '{bufferName}' cannot be opened by this process (uid {LibC.GetEffectiveUserId()}): '{path}' belongs to {owner} " +
            $"with {permissions}. Its creator can share it: BufferConfig.Access = BufferAccess.Group or BufferAccess.Everyone " +
            $"(CLI: --access group|everyone); or run this process as {owner}.");
    }
}
