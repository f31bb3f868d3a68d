// A module whose dependency is not in the package: importing it fails.
import dependency from 'not-a-packaged-dependency';

export const handler = async (event) => dependency(event);
