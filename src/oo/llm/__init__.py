"""The LLM tip generator: an optional candidate source, reached only through model aliases.

litellm is imported only by `oo.llm.generate`, which runs in a short-lived child process.
"""
