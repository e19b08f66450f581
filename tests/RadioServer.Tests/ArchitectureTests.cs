using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using NetArchTest.Rules;
using RadioServer.Audio;
using RadioServer.Audio.Interop;
using RadioServer.Scheduling;
using RadioServer.Web;

namespace RadioServer.Tests;

/// <summary>The station's architecture as rules, one sentence a test; each fails naming the types that break it.</summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly s_station = typeof(StationApp).Assembly;

    private static Types Station => Types.InAssembly(s_station);

    [Fact]
    public void Audio_knows_nothing_of_http_or_listeners() =>
        AssertKept(Station.That().ResideInNamespace("RadioServer.Audio").ShouldNot().HaveDependencyOnAny(
            "Microsoft.AspNetCore", "RadioServer.Streaming.Listeners", "RadioServer.Streaming.Connections", "RadioServer.NowPlaying", "RadioServer.Operations", "RadioServer.Web"));

    [Fact]
    public void The_accept_loop_knows_nothing_of_the_listener_send_path() =>
        // A new kind of connection (a live source) is one more IDirectConnectionHandler; the loop never names listeners.
        AssertKept(Station.That().ResideInNamespace("RadioServer.Streaming.Connections").ShouldNot().HaveDependencyOn("RadioServer.Streaming.Listeners"));

    [Fact]
    public void Scheduling_knows_nothing_of_mp3_or_signalr() =>
        AssertKept(Station.That().ResideInNamespace("RadioServer.Scheduling").ShouldNot().HaveDependencyOnAny(
            ["RadioServer.Streaming", "Microsoft.AspNetCore.SignalR", typeof(LameInterop).Namespace!,
             .. Names(typeof(AirChain), typeof(IMp3Encoder), typeof(IMp3EncoderFactory), typeof(LameMp3Encoder), typeof(LameMp3EncoderFactory), typeof(Mp3FrameAssembler), typeof(Mp3FrameHeader))]));

    [Fact]
    public void Scheduling_knows_http_only_in_its_endpoints() =>
        AssertKept(Station.That().ResideInNamespace("RadioServer.Scheduling").And().DoNotHaveName(nameof(ScheduleEndpoints))
            .ShouldNot().HaveDependencyOnAny("Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Builder"));

    [Fact]
    public void NowPlaying_and_Operations_never_use_each_others_types()
    {
        AssertKept(Station.That().ResideInNamespace("RadioServer.NowPlaying").ShouldNot().HaveDependencyOn("RadioServer.Operations"));
        AssertKept(Station.That().ResideInNamespace("RadioServer.Operations").ShouldNot().HaveDependencyOn("RadioServer.NowPlaying"));
    }

    [Fact]
    public void Nothing_outside_a_feature_uses_its_endpoints_but_the_composition_root()
    {
        var offenders = s_station.GetTypes().Where(t => t.Name.EndsWith("Endpoints", StringComparison.Ordinal)).SelectMany(endpoints =>
            (Station.That().DoNotResideInNamespace(endpoints.Namespace!).And().DoNotHaveName(nameof(StationApp))
                .ShouldNot().HaveDependencyOn(endpoints.FullName!).GetResult().FailingTypeNames ?? [])
            .Select(user => $"{user} uses {endpoints.FullName}"));
        AssertNone(offenders);
    }

    [Fact]
    public void Cors_and_the_origin_policy_live_only_in_web() =>
        AssertKept(Station.That().DoNotResideInNamespace("RadioServer.Web").And().DoNotHaveName(nameof(StationApp))
            .ShouldNot().HaveDependencyOnAny([.. Names(typeof(CorsOptions), typeof(OriginPolicy)), "Microsoft.AspNetCore.Cors"]));

    [Fact]
    public void Every_logger_message_has_an_event_name_of_its_own()
    {
        var duplicates = AllMethods()
            .Select(m => (Method: m, m.GetCustomAttribute<LoggerMessageAttribute>()?.EventName))
            .Where(m => m.EventName is not null)
            .GroupBy(m => m.EventName!)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Method.DeclaringType!.FullName}.{m.Method.Name}"))}");
        AssertNone(duplicates);
    }

    [Fact]
    public void Native_imports_live_only_in_an_interop_namespace()
    {
        // [LibraryImport] generates a [DllImport] stub beside the method, so both kinds show as PinvokeImpl.
        var outside = AllMethods()
            .Where(m => m.Attributes.HasFlag(MethodAttributes.PinvokeImpl) || m.GetCustomAttribute<DllImportAttribute>() is not null)
            .Where(m => !(m.DeclaringType!.Namespace ?? "").Split('.').Contains("Interop"))
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}");
        AssertNone(outside);
    }

    private static IEnumerable<MethodInfo> AllMethods() =>
        s_station.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly));

    private static string[] Names(params Type[] types) => [.. types.Select(t => t.FullName!)];

    private static void AssertKept(ConditionList rule) => AssertNone(rule.GetResult().FailingTypeNames ?? []);

    private static void AssertNone(IEnumerable<string> offenders)
    {
        var list = offenders.ToList();
        Assert.True(list.Count == 0, "Broken by:\n  " + string.Join("\n  ", list));
    }
}
