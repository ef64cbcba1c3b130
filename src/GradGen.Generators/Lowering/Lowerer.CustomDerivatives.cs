using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, calls of functions with a registered derivative (<c>[DerivativeOf(nameof(F))]</c> on a method of F's type):
/// the function runs as written, and the backward sweep calls the user's pullback instead of looking inside it.
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>
    /// The method registered (with <c>[DerivativeOf]</c>) as the derivative of <paramref name="function"/>, or null. The
    /// attribute names a method group, so with overloads each registration is matched by its signature: the one that fits
    /// this overload, else the first (whose mismatch is then reported).
    /// </summary>
    internal static IMethodSymbol? RegisteredDerivative(IMethodSymbol function)
    {
        var registered = function.ContainingType?.GetMembers().OfType<IMethodSymbol>().Where(m => m.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == Symbols.DerivativeOfAttribute && a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value as string == function.Name)).ToList();
        if (registered is null || registered.Count == 0) return null;
        return registered.FirstOrDefault(pullback => DerivativeMismatch(function, pullback) is null) ?? registered[0];
    }

    private int CustomCall(IInvocationOperation invocation, IMethodSymbol function, IMethodSymbol pullback, int depth)
    {
        if (DerivativeMismatch(function, pullback) is { } problem)
        {
            Reject(new Rejection(RejectionKind.CustomDerivativeMismatch, invocation.Syntax.GetLocation(),
                new[] { function.Name, problem, ExpectedPullback(function, pullback.Name) }, pullback.Locations.FirstOrDefault()));
            return -1;
        }
        if (!_compilation.IsSymbolAccessibleWithin(pullback, _method.ContainingType))
        {
            Reject(new Rejection(RejectionKind.CustomDerivativeMismatch, invocation.Syntax.GetLocation(),
                new[] { function.Name, "'" + pullback.Name + "' is not accessible here", ExpectedPullback(function, pullback.Name) }, pullback.Locations.FirstOrDefault()));
            return -1;
        }
        if (CallArguments(invocation, depth) is not { } operands) return -1;
        var target = new CallTarget(
            function.ContainingType.ToDisplayString(Symbols.Qualified),
            function.Name,
            function.Parameters.Select(IsDifferentiable).ToEquatableArray(),
            TapeType: "",
            CustomPullback: pullback.Name);
        var call = Append(OpKind.Call, invocation.Syntax, invocation.Type, operands, target);
        DeclareCallShapes(call, function, 0);
        return call;
    }

    /// <summary>Why a registered pullback does not fit its function, or null when it does.</summary>
    private static string? DerivativeMismatch(IMethodSymbol function, IMethodSymbol pullback)
    {
        if (!function.IsStatic || function.IsGenericMethod) return "the function must be a static, non-generic method";
        if (!Symbols.Classify(function.ReturnType).IsDifferentiable) return "the function's result '" + function.ReturnType.ToDisplayString() + "' is not differentiable";
        if (!pullback.IsStatic || pullback.IsGenericMethod || !pullback.ReturnsVoid) return "the pullback must be a static, non-generic method returning void";
        var expected = ExpectedParameters(function).ToList();
        if (pullback.Parameters.Length != expected.Count) return "the pullback has " + pullback.Parameters.Length + " parameters, not " + expected.Count;
        for (var i = 0; i < expected.Count; i++)
        {
            var (type, refKind, name) = expected[i];
            var actual = pullback.Parameters[i];
            if (!SymbolEqualityComparer.Default.Equals(actual.Type, type) || actual.RefKind != refKind)
            {
                return "its parameter " + (i + 1) + " ('" + actual.Name + "') should be '" + (refKind == RefKind.Ref ? "ref " : "") + type.ToDisplayString() + " " + name + "'";
            }
        }
        return null;
    }

    /// <summary>The pullback's parameters: the function's, its result, the upstream gradient, then one gradient per differentiable parameter.</summary>
    internal static System.Collections.Generic.IEnumerable<(ITypeSymbol Type, RefKind RefKind, string Name)> ExpectedParameters(IMethodSymbol function)
    {
        foreach (var parameter in function.Parameters) yield return (parameter.Type, RefKind.None, parameter.Name);
        yield return (function.ReturnType, RefKind.None, "y");
        yield return (function.ReturnType, RefKind.None, "dY");
        foreach (var parameter in function.Parameters.Where(IsDifferentiable))
        {
            yield return (parameter.Type, Symbols.Classify(parameter.Type).Kind == ValueKind.Scalar ? RefKind.Ref : RefKind.None, Naming.Gradient(parameter.Name));
        }
    }

    /// <summary>The signature the pullback of <paramref name="function"/> must have, as C#.</summary>
    private static string ExpectedPullback(IMethodSymbol function, string name) =>
        "static void " + name + "(" + string.Join(", ", ExpectedParameters(function).Select(p => (p.RefKind == RefKind.Ref ? "ref " : "") + p.Type.ToDisplayString() + " " + p.Name)) + ")";
}
