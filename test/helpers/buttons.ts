/** The labels of the buttons in a Discord message's components, in order. */
export function buttonLabels(components: unknown): string[] {
  if (Array.isArray(components)) return components.flatMap(buttonLabels);
  if (typeof components !== 'object' || components === null) return [];
  const node = components as { type?: number; label?: unknown; components?: unknown };
  if (node.type === 2 && typeof node.label === 'string') return [node.label];
  return buttonLabels(node.components);
}

/** The texts of the buttons in a Slack message's blocks, in order. */
export function buttonTexts(blocks: unknown): string[] {
  if (Array.isArray(blocks)) return blocks.flatMap(buttonTexts);
  if (typeof blocks !== 'object' || blocks === null) return [];
  const node = blocks as { type?: string; text?: { text?: unknown }; elements?: unknown };
  if (node.type === 'button' && typeof node.text?.text === 'string') return [node.text.text];
  return buttonTexts(node.elements);
}
