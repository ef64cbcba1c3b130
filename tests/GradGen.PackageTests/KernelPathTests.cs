using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using GradGen.PackageTests.Infrastructure;
using Xunit.Abstractions;

namespace GradGen.PackageTests;

/// <summary>
/// Every kernel path on this machine, run by <c>dotnet test</c>: the kernel-agreement check (<c>tests/GradGen.KernelCheck</c>:
/// float kernels against the double paths, the GEMM and the row kernels at every forced width in float and double, the
/// heads' copies, a float TinyGpt gradient against finite differences, the worker pool under contention) once per width
/// .NET 10's JIT knobs can force on this CPU, and on ARM64 (AdvSimd) under qemu-user. Each run must report the path the
/// knob asks for, so a knob that silently does nothing fails instead of repeating the default path.
/// </summary>
/// <remarks>
/// The check is built into a folder of the collection's own (<c>--artifacts-path</c>), so it never writes into the
/// repository's bin/obj while the outer <c>dotnet test</c> may still be building. The ARM64 run needs Debian's
/// <c>qemu-user</c>, <c>libc6-arm64-cross</c>, <c>libstdc++6-arm64-cross</c> and <c>libgcc-s1-arm64-cross</c>: without
/// them it is skipped, unless <c>GRADGEN_REQUIRE_ARM64=1</c> (set by <c>.ci/run</c>, which installs them), where it fails.
/// </remarks>
[Collection(KernelPathCollection.Name)]
public sealed partial class KernelPathTests(KernelCheckBuild check, ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan EmulatedRunTimeout = TimeSpan.FromMinutes(10);

    [GeneratedRegex(@"^(?<arch>X64|Arm64): GEMM (?<gemm>\d+)-bit, row kernels (?<rows>\d+)-bit; .*$", RegexOptions.Multiline)]
    private static partial Regex PathLine();

    [Fact]
    public Task Default_path_agrees() =>
        RunNative(expectedWidth: RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 128
            : Avx512F.IsSupported ? 512 : Avx2.IsSupported && Fma.IsSupported ? 256 : 128);

    [X64Fact(needsAvx512: true)]
    public Task Without_AVX512_the_256_bit_path_agrees() => RunNative(256, ("DOTNET_EnableAVX512", "0"));

    [X64Fact(needsAvx512: true)]
    public Task With_preferred_width_256_the_256_bit_path_agrees() => RunNative(256, ("DOTNET_PreferredVectorBitWidth", "256"));

    [X64Fact]
    public Task Without_AVX2_the_128_bit_path_agrees() => RunNative(128, ("DOTNET_EnableAVX2", "0"));

    [X64Fact]
    public Task Without_AVX_the_128_bit_SSE_path_agrees() => RunNative(128, ("DOTNET_EnableAVX", "0"));

    [Arm64EmulatedFact]
    public async Task The_ARM64_AdvSimd_path_agrees_under_qemu()
    {
        var app = await check.PublishArm64Async();
        var run = await Processes.RunAsync("qemu-aarch64", ["-L", "/usr/aarch64-linux-gnu", app], Path.GetDirectoryName(app)!, EmulatedRunTimeout,
            ("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1"), ("DOTNET_EnableWriteXorExecute", "0"));
        Verify(run, "Arm64", 128);
    }

    private async Task RunNative(int expectedWidth, params (string Name, string Value)[] knobs)
    {
        var dll = await check.BuildNativeAsync();
        var run = await Processes.RunAsync(Processes.Dotnet, [dll], Path.GetDirectoryName(dll)!, RunTimeout, knobs);
        Verify(run, RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "Arm64" : "X64", expectedWidth);
    }

    private void Verify(ProcessResult run, string arch, int width)
    {
        output.WriteLine(run.ToString());
        var path = PathLine().Match(run.Output);
        Assert.True(path.Success, "the check did not print its path line:\n" + run);
        // The path this run took: a knob that did not take effect would show the default width here.
        Assert.Equal((arch, width, width), (path.Groups["arch"].Value, int.Parse(path.Groups["gemm"].Value), int.Parse(path.Groups["rows"].Value)));
        var failures = run.Output.Split('\n').Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)).ToArray();
        Assert.True(failures.Length == 0 && run.ExitCode == 0, $"{failures.Length} checks failed (exit {run.ExitCode}):\n" + string.Join("\n", failures) + "\n" + run);
        int checks = run.Output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal));
        Assert.True(checks >= 200, $"only {checks} checks ran:\n" + run);
        Assert.Contains("all kernels agree", run.Output);
    }
}

/// <summary>A fact that runs on x64 only (the JIT knobs narrow x64's vector paths), and with <c>needsAvx512</c> only where the CPU has AVX-512.</summary>
public sealed class X64FactAttribute : FactAttribute
{
    public X64FactAttribute(bool needsAvx512 = false)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) Skip = "x64's JIT knobs: this is " + RuntimeInformation.ProcessArchitecture;
        else if (needsAvx512 && !Avx512F.IsSupported) Skip = "no AVX-512 on this CPU: nothing for this knob to narrow";
    }
}

/// <summary>A fact that needs qemu-user and the ARM64 cross libraries on an x64 machine; skipped without them unless GRADGEN_REQUIRE_ARM64=1.</summary>
public sealed class Arm64EmulatedFactAttribute : FactAttribute
{
    public Arm64EmulatedFactAttribute()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) Skip = "ARM64 under emulation is checked from x64 machines (an ARM64 machine runs it natively: Default_path_agrees)";
        else if (Environment.GetEnvironmentVariable("GRADGEN_REQUIRE_ARM64") != "1" && KernelCheckBuild.MissingForArm64() is { } missing)
            Skip = $"{missing} not found (apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross; .ci/run requires it)";
    }
}

[CollectionDefinition(Name)]
public sealed class KernelPathCollection : ICollectionFixture<KernelCheckBuild>
{
    public const string Name = "Kernel paths";
}

/// <summary>Builds <c>tests/GradGen.KernelCheck</c> once per collection, natively and for linux-arm64, into a temporary folder.</summary>
public sealed class KernelCheckBuild : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "gradgen-kernel-paths-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _project = Path.Combine(PackageFixture.FindRepositoryRoot(), "tests", "GradGen.KernelCheck", "GradGen.KernelCheck.csproj");
    private Task<string>? _native, _arm64;

    /// <summary>What the ARM64 run needs and this machine lacks (null: nothing).</summary>
    public static string? MissingForArm64()
    {
        bool onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "qemu-aarch64")));
        if (!onPath) return "qemu-aarch64";
        return File.Exists("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1") ? null : "/usr/aarch64-linux-gnu (libc6-arm64-cross)";
    }

    /// <summary>The check built in Release for this machine: the path of its dll.</summary>
    public Task<string> BuildNativeAsync()
    {
        lock (this) return _native ??= Build("native", Path.Combine("bin", "GradGen.KernelCheck", "release", "GradGen.KernelCheck.dll"), "build");
    }

    /// <summary>The check published self-contained for linux-arm64: the path of its executable.</summary>
    public Task<string> PublishArm64Async()
    {
        lock (this) return _arm64 ??= Build("arm64", Path.Combine("publish", "GradGen.KernelCheck", "release_linux-arm64", "GradGen.KernelCheck"), "publish", "-r", "linux-arm64", "--self-contained");
    }

    private async Task<string> Build(string name, string output, params string[] verb)
    {
        var artifacts = Path.Combine(_root, name);
        string[] arguments = [.. verb, _project, "-c", "Release", "--artifacts-path", artifacts, "--disable-build-servers", "-nologo"];
        var build = await Processes.RunDotnetAsync(_root, verb[0] == "publish" ? PublishTimeout : BuildTimeout, arguments);
        var path = Path.Combine(artifacts, output);
        Assert.True(build.ExitCode == 0 && File.Exists(path), $"the kernel check did not build ({path}):\n" + build);
        return path;
    }

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }
}
