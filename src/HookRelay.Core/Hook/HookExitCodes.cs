namespace HookRelay.Hook;

/// <summary>Exit codes of hook mode. Ganeti only tells zero from non-zero; the numbers help whoever reads the job log.</summary>
public static class HookExitCodes
{
    public const int Ok = 0;
    public const int Denied = 1;
    /// <summary>HookRelay itself failed in a pre hook configured with on_internal_error: deny.</summary>
    public const int InternalErrorDenied = 2;
}
