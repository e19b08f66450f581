using SkiaSharp;

namespace RadioServer.Art;

/// <summary>
/// Pictures made square at a size, with SkiaSharp: a track's embedded cover (any format Skia decodes: JPEG, PNG, GIF,
/// WebP, BMP) centre-cropped and scaled, and the station's generated default image. Pure functions; the caller bounds
/// how many run at once.
/// </summary>
internal static class ArtImages
{
    /// <summary>Covers larger than this on a side are not decoded (a 20,000 px picture would take 1.6 GB as pixels).</summary>
    public const int MaxSide = 8192;

    /// <summary>
    /// <paramref name="picture"/> as a <paramref name="size"/> x <paramref name="size"/> JPEG (or PNG), centre-cropped;
    /// null when it is no picture Skia can decode or too large. A JPEG is decoded at the smallest scale that still
    /// covers the size (libjpeg's 1/2, 1/4, 1/8), so a 3,000 px cover costs little.
    /// </summary>
    public static byte[]? Square(ReadOnlySpan<byte> picture, int size, SKEncodedImageFormat format)
    {
        using var data = SKData.CreateCopy(picture);
        using var codec = SKCodec.Create(data);
        if (codec is null || codec.Info.Width <= 0 || codec.Info.Height <= 0 || codec.Info.Width > MaxSide || codec.Info.Height > MaxSide)
        {
            return null;
        }
        var side = Math.Min(codec.Info.Width, codec.Info.Height);
        var scaled = codec.GetScaledDimensions(Math.Min(1f, Math.Max(size / (float)side, 0.125f)));
        if (Math.Min(scaled.Width, scaled.Height) < Math.Min(size, side))
        {
            scaled = codec.Info.Size;
        }
        using var bitmap = new SKBitmap(new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            return null;
        }
        using var image = SKImage.FromBitmap(bitmap);
        var crop = Math.Min(scaled.Width, scaled.Height);
        var source = SKRect.Create((scaled.Width - crop) / 2f, (scaled.Height - crop) / 2f, crop, crop);
        return Render(size, format, canvas =>
        {
            // JPEG has no alpha: a transparent PNG cover lies on white, as a record sleeve would.
            canvas.Clear(format == SKEncodedImageFormat.Jpeg ? SKColors.White : SKColors.Transparent);
            using var paint = new SKPaint();
            canvas.DrawImage(image, source, SKRect.Create(size, size), new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        });
    }

    /// <summary>
    /// The station's image when it has none of its own: a radio mast sending waves, in white on the station's colour,
    /// with a margin for "maskable" icons (the mark stays inside the middle 80 %). Drawn, not text: no font is needed.
    /// </summary>
    public static byte[] DefaultStation(int size, SKColor colour) => Render(size, SKEncodedImageFormat.Png, canvas =>
    {
        var dark = new SKColor((byte)(colour.Red * 0.7), (byte)(colour.Green * 0.7), (byte)(colour.Blue * 0.7));
        using (var background = new SKPaint())
        {
            background.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(size, size), [colour, dark], SKShaderTileMode.Clamp);
            canvas.DrawRect(SKRect.Create(size, size), background);
        }
        var unit = size / 100f;
        var centre = new SKPoint(50 * unit, 42 * unit);
        using var stroke = new SKPaint
        {
            Color = SKColors.White,
            IsAntialias = true,
            Style = SKPaintStyle.Stroke,
            StrokeWidth = 4.5f * unit,
            StrokeCap = SKStrokeCap.Round,
        };
        using var fill = new SKPaint { Color = SKColors.White, IsAntialias = true, Style = SKPaintStyle.Fill };
        canvas.DrawCircle(centre, 5 * unit, fill);
        // The mast: two legs from the antenna down to the base line.
        canvas.DrawLine(centre, new SKPoint(38 * unit, 80 * unit), stroke);
        canvas.DrawLine(centre, new SKPoint(62 * unit, 80 * unit), stroke);
        canvas.DrawLine(new SKPoint(44 * unit, 62 * unit), new SKPoint(56 * unit, 62 * unit), stroke);
        // Waves either side, two rings each.
        foreach (var radius in new[] { 14f, 25f })
        {
            var ring = SKRect.Create(centre.X - (radius * unit), centre.Y - (radius * unit), 2 * radius * unit, 2 * radius * unit);
            canvas.DrawArc(ring, 140, 80, false, stroke);
            canvas.DrawArc(ring, -40, 80, false, stroke);
        }
    });

    private static byte[] Render(int size, SKEncodedImageFormat format, Action<SKCanvas> draw)
    {
        using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"Skia could not make a {size} px surface.");
        draw(surface.Canvas);
        using var snapshot = surface.Snapshot();
        using var encoded = snapshot.Encode(format, 85)
            ?? throw new InvalidOperationException($"Skia could not encode {format}.");
        return encoded.ToArray();
    }
}
