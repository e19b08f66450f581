namespace RadioServer.Web;

/// <summary>Origins allowed to use the hubs and the API from another site (<c>Radio:Cors:Origins</c>); none by default.</summary>
public sealed class CorsOptions
{
    public const string Section = "Radio:Cors";

    public string[] Origins { get; set; } = [];
}
