"""Going back to an earlier migration of inventory in a test: the other apps stay at their latest migration that
does not need a later inventory one (inbound's putaway tasks point at inventory's locations, for one)."""


def others_before(graph, target: tuple[str, str]) -> list[tuple[str, str]]:
    """For each other app, its latest migration whose dependencies reach no inventory migration after ``target``."""
    allowed = set(graph.forwards_plan(target))
    later = {node for node in graph.nodes if node[0] == target[0] and node not in allowed}
    nodes = []
    for leaf in graph.leaf_nodes():
        if leaf[0] == target[0]:
            continue
        node = leaf
        while node is not None and later & set(graph.forwards_plan(node)):
            parents = [p for p in graph.node_map[node].parents if p.key[0] == node[0]]
            node = parents[0].key if parents else None
        if node is not None:
            nodes.append(node)
    return nodes
