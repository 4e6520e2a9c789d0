"""Charts for a result, no Streamlit: the rule table and the model's hint (choice.py), column roles, the marks
that draw them, and the gallery of result shapes."""
