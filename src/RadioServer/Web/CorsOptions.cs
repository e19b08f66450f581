using System.ComponentModel.DataAnnotations;

namespace RadioServer.Web;

/// <summary>Origins allowed to use the hubs and the API from another site (<c>Radio:Cors:Origins</c>); none by default.</summary>
public sealed class CorsOptions
{
    public const string Section = "Radio:Cors";

    /// <summary>Absolute http or https origins (<c>https://www.example.org</c>), as browsers send them.</summary>
    [MaxLength(100, ErrorMessage = "Radio:Cors:Origins lists more than {1} origins.")]
    public string[] Origins { get; set; } = [];
}
