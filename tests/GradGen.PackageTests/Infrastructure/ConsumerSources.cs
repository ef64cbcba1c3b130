namespace GradGen.PackageTests.Infrastructure;

/// <summary>
/// The files of the consumer projects the tests write into a temporary folder: a console app that references only the
/// GradGen package (no project reference, no repository props), calls the generated backward passes and prints gradients.
/// </summary>
public static class ConsumerSources
{
    /// <summary>The consumer's project file; {0} is the GradGen package version.</summary>
    public const string ProjectFile = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="GradGen" Version="{0}" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>
    /// The consumer's nuget.config: the local folder feed with the freshly packed GradGen is added to the machine's feeds
    /// (nothing is cleared: System.Numerics.Tensors still comes from there), packages are extracted into a fresh folder of
    /// the test's own ({1}), and the machine's package folder is a read-only fallback so nothing is downloaded twice ({2}).
    /// </summary>
    public const string NuGetConfig = """
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <config>
            <add key="globalPackagesFolder" value="{1}" />
          </config>
          <packageSources>
            <add key="gradgen-under-test" value="{0}" />
          </packageSources>
        {2}</configuration>
        """;

    /// <summary>Stops MSBuild from importing Directory.Build.* files of folders above the temporary consumer.</summary>
    public const string EmptyMSBuildFile = "<Project />\n";

    public const string Model = """
        using System.Numerics.Tensors;
        using GradGen;

        namespace Consumer;

        public static partial class Physics
        {
            /// <summary>E = k·x²/2 + sin x, so ∂E/∂x = k·x + cos x and ∂E/∂k = x²/2.</summary>
            [Differentiable]
            public static double Energy(double x, double k) => 0.5 * k * x * x + Math.Sin(x);

            /// <summary>S = Σ w², so ∂S/∂w = 2w.</summary>
            [Differentiable]
            public static float SumOfSquares(Tensor<float> w) => Ops.Sum(Ops.Square(w));
        }
        """;

    /// <summary>Calls the generated methods unqualified (using static), so a missing one would be CS0103.</summary>
    public const string Program = """
        using System.Globalization;
        using System.Numerics.Tensors;
        using static Consumer.Physics;

        var (energy, dX, dK) = EnergyBackward(2.0, 3.0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"energy={energy:R} dX={dX:R} dK={dK:R}"));

        var w = Tensor.Create(new float[] { 1f, -2f, 3f }, [3]);
        var (sum, dW) = SumOfSquaresBackward(w);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sum={sum:R} dW={string.Join(",", dW.ToArray())}"));
        """;

    /// <summary>What <see cref="Program"/> prints: E(2, 3) = 6 + sin 2, ∂E/∂x = 6 + cos 2, ∂E/∂k = 2; S = 14, ∂S/∂w = 2w.</summary>
    public static readonly string ExpectedOutput =
        "energy=" + (6 + System.Math.Sin(2)).ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
        " dX=" + (6 + System.Math.Cos(2)).ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
        " dK=2\nsum=14 dW=2,-4,6";

    /// <summary>Two deliberate mistakes; their positions are asserted (1-based) in the build output and (0-based) over LSP.</summary>
    public const string Broken = """
        using GradGen;

        namespace Consumer;

        public static partial class Mistakes
        {
            [Differentiable]
            public static double Power(double x, int n)
            {
                var y = 1.0;
                switch (n)
                { default: y = y * x; break; }
                return y;
            }
        }

        public static class NotPartial
        {
            [Differentiable]
            public static double Twice(double x) => 2.0 * x;
        }
        """;

    /// <summary>Appended to <see cref="Broken"/> by an edit: a transformer block whose qkv weight is declared transposed (GG0012).</summary>
    public const string TransposedWeight = """

        public sealed class Block
        {
            public Block(System.Numerics.Tensors.Tensor<float> wqkv) { Wqkv = wqkv; }
            [Shape("3*C, C")] public System.Numerics.Tensors.Tensor<float> Wqkv { get; }
        }

        public static partial class Transformer
        {
            [Differentiable]
            public static float Attention(Block layer, [Shape("B, T, C")] System.Numerics.Tensors.Tensor<float> h, int C) =>
                Ops.Sum(Ops.Slice(Ops.MatMul(h, layer.Wqkv), 2, 0, C));
        }
        """;

    /// <summary>GG0003 (a switch is not supported) at the <c>switch</c> statement: line 11, column 9.</summary>
    public const int LoopLine = 11, LoopColumn = 9;

    /// <summary>GG0001 (the type must be partial) at the type's name <c>NotPartial</c>: line 17, column 21.</summary>
    public const int NotPartialLine = 17, NotPartialColumn = 21;
}
