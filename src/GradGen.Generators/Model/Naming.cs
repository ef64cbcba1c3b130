namespace GradGen.Generators.Model;

/// <summary>Names of the generated members and the phrases the diagnostics share.</summary>
internal static class Naming
{
    /// <summary>The generator's type name: it appears in the paths of the files it adds to a compilation.</summary>
    public const string GeneratorName = "GradGen.Generators.DifferentiableGenerator";

    public const string BackwardSuffix = "Backward";
    public const string ForwardSuffix = "Forward";
    public const string PullbackSuffix = "Pullback";
    public const string TapeSuffix = "Tape";
    public const string WorkspaceSuffix = "Workspace";

    /// <summary>Every member name the generator adds for a method <c>M</c> is <c>M</c> + one of these.</summary>
    public static readonly string[] GeneratedSuffixes = { BackwardSuffix, ForwardSuffix, PullbackSuffix, TapeSuffix, WorkspaceSuffix };

    /// <summary>The most elements <c>GradGen.Workspace.Elements</c> takes (a params array of more is a new array).</summary>
    public const int MaxWorkspaceElements = 6;

    /// <summary>
    /// The gradient of <c>this</c> in the generated members of an instance method of a weight type (∂L/∂this, an instance of
    /// the same type): the first gradient parameter of the pullback and of the accumulating form, the first gradient of the tuple.
    /// </summary>
    public const string SelfGradient = "dSelf";

    public const string SupportedTypes = "float, double, Tensor<float>, Tensor<double>";

    /// <summary>The preferred name, or the first of <c>name1</c>, <c>name2</c>, … not yet taken; marks it taken.</summary>
    public static string Unique(string preferred, System.Collections.Generic.HashSet<string> taken)
    {
        var name = preferred;
        for (var i = 1; taken.Contains(name); i++) name = preferred + i;
        taken.Add(name);
        return name;
    }

    /// <summary>The gradient name of a value: <c>x</c> → <c>dX</c>, <c>logits</c> → <c>dLogits</c>.</summary>
    public static string Gradient(string name)
    {
        name = name.TrimStart('@');
        return name.Length == 0 ? "d" : "d" + char.ToUpperInvariant(name[0]) + name.Substring(1);
    }
}
