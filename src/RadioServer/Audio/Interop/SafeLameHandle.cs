using Microsoft.Win32.SafeHandles;

namespace RadioServer.Audio.Interop;

/// <summary>Owns a <c>lame_global_flags*</c>; <c>lame_close</c> runs exactly once, with no finalizer of ours.</summary>
internal sealed class SafeLameHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle() => LameInterop.Close(handle) == 0;
}
