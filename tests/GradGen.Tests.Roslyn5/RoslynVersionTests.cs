using Microsoft.CodeAnalysis.CSharp;

namespace GradGen.Tests.Robustness;

/// <summary>This project exists to run the robustness checks against the newest served compiler: make sure it does.</summary>
public sealed class RoslynVersionTests
{
    [Fact]
    public void Runs_against_Roslyn_5_12_or_newer()
    {
        var version = typeof(CSharpCompilation).Assembly.GetName().Version!;
        Assert.True(version >= new System.Version(5, 12), "Microsoft.CodeAnalysis.CSharp " + version);
    }
}
