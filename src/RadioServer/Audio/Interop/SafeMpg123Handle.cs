using Microsoft.Win32.SafeHandles;

namespace RadioServer.Audio.Interop;

/// <summary>Owns an <c>mpg123_handle*</c>; <c>mpg123_delete</c> (which closes the feed and frees its buffers) runs exactly once.</summary>
internal sealed class SafeMpg123Handle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle()
    {
        Mpg123Interop.Delete(handle);
        return true;
    }
}
