using System;
using System.Collections.Generic;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>Maps the methods and operators a user may call to IR ops. Whether an op applies to its operands is the rule table's say.</summary>
internal static class OpCatalog
{
    /// <summary>The <c>GradGen.Ops</c> methods that are differentiable ops: derived from the rule table.</summary>
    private static readonly Dictionary<string, OpKind> OpsMethods = Catalogue(rule => rule.OpsMethod);

    /// <summary>The <c>Math</c>/<c>MathF</c> functions that are differentiable ops: derived from the rule table.</summary>
    private static readonly Dictionary<string, OpKind> MathMethods = Catalogue(rule => rule.MathMethod);

    private static Dictionary<string, OpKind> Catalogue(Func<Rule, string?> method)
    {
        var catalogue = new Dictionary<string, OpKind>();
        foreach (var rule in Rules.All)
        {
            if (method(rule) is { } name) catalogue[name] = rule.Op;
        }
        return catalogue;
    }

    /// <summary>Math functions whose derivative is zero almost everywhere: a gradient through them would silently vanish.</summary>
    private static readonly HashSet<string> PiecewiseConstantMath = new()
    {
        "Round", "Floor", "Ceiling", "Truncate", "Sign", "ILogB",
    };

    private static readonly Dictionary<string, OpKind> TensorOperators = new()
    {
        ["op_Addition"] = OpKind.Add, ["op_Subtraction"] = OpKind.Subtract, ["op_Multiply"] = OpKind.Multiply,
        ["op_Division"] = OpKind.Divide, ["op_UnaryNegation"] = OpKind.Negate,
    };

    /// <summary>The op of a call to <c>GradGen.Ops</c> or <c>Math</c>/<c>MathF</c>, if it is one.</summary>
    public static OpKind? ForMethod(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (Symbols.IsType(type, "GradGen", "Ops")) return OpsMethods.TryGetValue(method.Name, out var op) ? op : null;
        if (IsMath(type)) return MathMethods.TryGetValue(method.Name, out var op) && AllFloatingPoint(method) ? op : null;
        return null;
    }

    /// <summary>True for Math/MathF functions that are piecewise constant (Round, Floor, …).</summary>
    public static bool IsPiecewiseConstant(IMethodSymbol method) => IsMath(method.ContainingType) && PiecewiseConstantMath.Contains(method.Name);

    /// <summary>True for <c>GradGen.Ops</c> members that are not differentiable ops (e.g. ZerosLike).</summary>
    public static bool IsOpsMember(IMethodSymbol method) => Symbols.IsType(method.ContainingType, "GradGen", "Ops");

    /// <summary>
    /// For a method of System.Numerics.Tensors' <c>Tensor</c> or <c>TensorPrimitives</c> (not differentiated), the <c>Ops</c>
    /// op of the same name (<c>Tensor.Add</c> → <c>Ops.Add</c>), or null.
    /// </summary>
    public static string? OpsEquivalent(IMethodSymbol method) =>
        (Symbols.IsType(method.ContainingType, "System.Numerics.Tensors", "Tensor") || Symbols.IsType(method.ContainingType, "System.Numerics.Tensors", "TensorPrimitives"))
        && OpsMethods.ContainsKey(method.Name) ? "Ops." + method.Name : null;

    /// <summary>The op of a built-in operator (<paramref name="tensorOperator"/> null) or of a Tensor operator method.</summary>
    public static OpKind? ForBinary(BinaryOperatorKind kind, string? tensorOperator)
    {
        if (tensorOperator is not null) return TensorOperators.TryGetValue(tensorOperator, out var op) ? op : null;
        return kind switch
        {
            BinaryOperatorKind.Add => OpKind.Add,
            BinaryOperatorKind.Subtract => OpKind.Subtract,
            BinaryOperatorKind.Multiply => OpKind.Multiply,
            BinaryOperatorKind.Divide => OpKind.Divide,
            _ => null,
        };
    }

    /// <summary>True for an operator declared by System.Numerics.Tensors for Tensor&lt;T&gt; that GradGen differentiates.</summary>
    public static bool IsTensorOperator(IMethodSymbol method) => Symbols.IsTensorStaticMember(method) && TensorOperators.ContainsKey(method.Name);

    private static bool IsMath(INamedTypeSymbol? type) => Symbols.IsType(type, "System", "Math") || Symbols.IsType(type, "System", "MathF");

    private static bool AllFloatingPoint(IMethodSymbol method)
    {
        foreach (var parameter in method.Parameters)
        {
            if (parameter.Type.SpecialType is not (SpecialType.System_Single or SpecialType.System_Double)) return false;
        }
        return method.ReturnType.SpecialType is SpecialType.System_Single or SpecialType.System_Double;
    }
}
